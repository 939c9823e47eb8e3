import Foundation
import XCTest
@testable import GlyphPipeline
import GlyphTestSupport
@testable import GlyphImaging

final class BatchRunnerTests: XCTestCase {

    func makeTree(count: Int) throws -> URL { try ScanTree().makeTree(count: count) }

    func testManifestInInputOrderAndOutputsMirrored() throws {
        let input = try makeTree(count: 6)
        try Data("not an image".utf8).write(to: input.appendingPathComponent("set0/notes.png"))
        let output = try TestImages.temporaryDirectory().appendingPathComponent("out")
        let pipeline = Pipeline(configuration: try PipelineConfiguration.parse(yaml: TestImages.pipelineYAML))
        let summary = try BatchRunner(pipeline: pipeline, options: BatchOptions(jobs: 2)).run(input: input.path, output: output.path)
        XCTAssertEqual(summary.total, 7)
        XCTAssertEqual(summary.failed, 1)
        let lines = try String(contentsOf: output.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let inputs = try lines.map { line -> String in
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try XCTUnwrap(object["input"] as? String)
        }
        XCTAssertEqual(inputs, ["set0/notes.png", "set0/scan000.png", "set0/scan003.jpg", "set1/scan001.jpg", "set1/scan004.png", "set2/scan002.png", "set2/scan005.jpg"])
        XCTAssertTrue(lines[0].contains("\"code\":\"unsupported_format\""))
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("set1/scan001.png").path))
        let first = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        let bbox = try XCTUnwrap(first["bbox"] as? [String: Int])
        XCTAssertEqual(bbox, ["x": 10, "y": 20, "width": 15, "height": 40])
    }

    func testDeterministicAcrossJobCounts() throws {
        let input = try makeTree(count: 40)
        let pipeline = Pipeline(configuration: try PipelineConfiguration.parse(yaml: TestImages.pipelineYAML))
        var trees: [[String: Data]] = []
        for jobs in [1, 4] {
            let output = try TestImages.temporaryDirectory()
            _ = try BatchRunner(pipeline: pipeline, options: BatchOptions(jobs: jobs, chunkSize: 7)).run(input: input.path, output: output.path)
            var files: [String: Data] = [:]
            let enumerator = FileManager.default.enumerator(atPath: output.path)
            while let relative = enumerator?.nextObject() as? String {
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: output.path + "/" + relative, isDirectory: &isDirectory)
                if !isDirectory.boolValue { files[relative] = try Data(contentsOf: output.appendingPathComponent(relative)) }
            }
            trees.append(files)
        }
        XCTAssertEqual(trees[0].count, 42, "40 images, manifest.jsonl, run.json")
        XCTAssertEqual(trees[0], trees[1])
    }

    func testRefusesOutputInsideInput() throws {
        let input = try makeTree(count: 1)
        let pipeline = Pipeline(configuration: try PipelineConfiguration.parse(yaml: TestImages.pipelineYAML))
        let runner = BatchRunner(pipeline: pipeline)
        XCTAssertThrowsError(try runner.run(input: input.path, output: input.path + "/results/new"))
        XCTAssertThrowsError(try runner.run(input: input.path, output: input.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: input.path + "/results"))
    }

    func testSymlinkOutsideInputIsReportedNotRead() throws {
        let input = try makeTree(count: 1)
        let outside = try TestImages.temporaryDirectory().appendingPathComponent("secret.png")
        try Data(try ImageEncoder.encode(bytes: TestImages.paperRGB(width: 50, height: 50, ink: PixelRect(x: 5, y: 5, width: 20, height: 20)),
                                         width: 50, height: 50, bands: 3, as: .png)).write(to: outside)
        try FileManager.default.createSymbolicLink(atPath: input.path + "/link.png", withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(atPath: input.path + "/inside.png", withDestinationPath: input.path + "/set0/scan000.png")
        let files = Array(try InputWalker(root: input.path))
        XCTAssertEqual(files.map(\.relativePath), ["inside.png", "link.png", "set0/scan000.png"])
        XCTAssertNil(files[0].refusal)
        XCTAssertEqual(files[1].refusal?.code, .outsideInput)
    }

    func testCollidingStemsKeepTheirExtensions() throws {
        let root = try TestImages.temporaryDirectory()
        for name in ["a.jpg", "a.png", "b.JPG"] { try Data().write(to: root.appendingPathComponent(name)) }
        try Data().write(to: root.appendingPathComponent("readme.txt"))
        let files = Array(try InputWalker(root: root.path))
        XCTAssertEqual(files.map(\.outputRelativePath), ["a.jpg.png", "a.png.png", "b.png"])
    }

    func testManifestLineEscapesAndOrdersKeys() {
        var record = ManifestRecord(input: "dir/\"odd\"\nname.jpg", status: .error,
                                    error: StageFailure(.decodeError, "bad\tdata"))
        XCTAssertEqual(record.jsonLine, #"{"input":"dir/\"odd\"\nname.jpg","status":"error","error":{"code":"decode_error","message":"bad\tdata"}}"#)
        record = ManifestRecord(input: "a.png", output: "a.png", status: .ok, width: 10, height: 20, bbox: PixelRect(x: 1, y: 2, width: 3, height: 4))
        record.prediction = "a"
        record.top = [.init(label: "a", probability: 0.9), .init(label: "o", probability: 0.05)]
        XCTAssertEqual(record.jsonLine, #"{"input":"a.png","status":"ok","output":"a.png","width":10,"height":20,"bbox":{"x":1,"y":2,"width":3,"height":4},"prediction":"a","top":[{"label":"a","p":0.900000},{"label":"o","p":0.050000}]}"#)
    }
}
