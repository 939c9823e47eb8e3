import Foundation
import Synchronization
import XCTest
@testable import GlyphImaging
@testable import GlyphPipeline
import GlyphTestSupport

/// A run never mixes its outputs with an earlier run's, and reports progress file by file.
final class OutputDirectoryTests: XCTestCase {
    var pipeline: Pipeline {
        get throws { Pipeline(configuration: try PipelineConfiguration.parse(yaml: TestImages.pipelineYAML)) }
    }

    func testUsedOutputDirectoryNeedsResumeOrOverwrite() throws {
        let input = try ScanTree().makeTree(count: 4)
        let output = try TestImages.temporaryDirectory().appendingPathComponent("out").path
        _ = try BatchRunner(pipeline: try pipeline).run(input: input.path, output: output)
        try Data("stale".utf8).write(to: URL(fileURLWithPath: output + "/set0/old.png"))
        XCTAssertThrowsError(try BatchRunner(pipeline: try pipeline).run(input: input.path, output: output)) { error in
            XCTAssertTrue("\(error)".contains("--resume"), "\(error)")
            XCTAssertTrue("\(error)".contains("--overwrite"), "\(error)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: output + "/set0/old.png"), "a refused run removes nothing")
        let summary = try BatchRunner(pipeline: try pipeline, options: BatchOptions(overwrite: true)).run(input: input.path, output: output)
        XCTAssertEqual(summary.total, 4)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output + "/set0/old.png"), "no earlier file is left beside the new run")
        XCTAssertEqual(try BatchRunner(pipeline: try pipeline, options: BatchOptions(resume: true)).run(input: input.path, output: output).reused, 4)
    }

    func testDirectoryOfOtherFilesIsNeverEmptied() throws {
        let input = try ScanTree().makeTree(count: 1)
        let output = try TestImages.temporaryDirectory()
        try Data("mine".utf8).write(to: output.appendingPathComponent("thesis.tex"))
        XCTAssertThrowsError(try BatchRunner(pipeline: try pipeline, options: BatchOptions(overwrite: true)).run(input: input.path, output: output.path)) { error in
            XCTAssertTrue("\(error)".contains("holds no glyphprep run"), "\(error)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("thesis.tex").path))
        XCTAssertThrowsError(try BatchRunner(pipeline: try pipeline).run(input: input.path, output: output.appendingPathComponent("thesis.tex").path)) { error in
            XCTAssertTrue("\(error)".contains("is a file, not a directory"), "\(error)")
        }
    }

    func testShardsShareADirectoryButARepeatedShardIsRefused() throws {
        let input = try ScanTree().makeTree(count: 6)
        let output = try TestImages.temporaryDirectory().appendingPathComponent("out").path
        for index in 0..<2 {
            _ = try BatchRunner(pipeline: try pipeline, options: BatchOptions(shard: ShardSpec(index: index, count: 2))).run(input: input.path, output: output)
        }
        XCTAssertThrowsError(try BatchRunner(pipeline: try pipeline, options: BatchOptions(shard: ShardSpec(index: 1, count: 2))).run(input: input.path, output: output))
        XCTAssertNoThrow(try BatchRunner(pipeline: try pipeline, options: BatchOptions(resume: true, shard: ShardSpec(index: 1, count: 2))).run(input: input.path, output: output))
    }

    func testResumeReusesOutputsOfAPipelineWithoutFixedSize() throws {
        let input = try ScanTree().makeTree(count: 3)
        let output = try TestImages.temporaryDirectory().appendingPathComponent("out").path
        let free = Pipeline(configuration: try PipelineConfiguration.parse(yaml: "version: 1\nstages: [decode, grayscale, invert, normalize, crop_to_bbox]\n"))
        _ = try BatchRunner(pipeline: free).run(input: input.path, output: output)
        XCTAssertEqual(try BatchRunner(pipeline: free, options: BatchOptions(resume: true)).run(input: input.path, output: output).reused, 3)
    }

    func testProgressIsReportedAfterEveryFile() throws {
        let input = try ScanTree().makeTree(count: 9)
        let output = try TestImages.temporaryDirectory().appendingPathComponent("out").path
        let seen = Mutex<[Int]>([])
        _ = try BatchRunner(pipeline: try pipeline, options: BatchOptions(jobs: 2, showProgress: true))
            .run(input: input.path, output: output) { progress in
                XCTAssertEqual(progress.total, 9)
                seen.withLock { $0.append(progress.done) }
            }
        let reports = seen.withLock { $0 }
        XCTAssertGreaterThanOrEqual(reports.count, 9, "one report per file, not one per round of 128")
        XCTAssertEqual(Set(reports.prefix(9)), Set(1...9))
        XCTAssertEqual(reports.last, 9)
    }
}
