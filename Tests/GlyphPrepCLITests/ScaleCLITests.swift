import Foundation
import XCTest
@testable import GlyphPipeline
@testable import GlyphImaging

/// Crash safety, resume and sharding through the built binary.
final class ScaleEndToEndTests: XCTestCase {
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        try BuiltBinary.start(arguments, environment: environment)
    }

    @discardableResult
    func glyphprep(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        try BuiltBinary.run(arguments, environment: environment)
    }

    /// `count` scans of an "L" at varying places, in three folders, plus two broken files.
    func makeInput(count: Int) throws -> (root: URL, input: URL, pipeline: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glyphprep-scale-\(UUID().uuidString)")
        let input = root.appendingPathComponent("scans")
        for index in 0..<count {
            let folder = input.appendingPathComponent("writer\(index % 3)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var rgb = TestScan.paper(width: 320, height: 240)
            TestScan.fill(&rgb, width: 320, x: 80 + index % 40, y: 40 + index % 20, w: 16 + index % 9, h: 140)
            TestScan.fill(&rgb, width: 320, x: 80 + index % 40, y: 170 + index % 20, w: 120, h: 16 + index % 7)
            let format: ImageFileFormat = index % 2 == 0 ? .jpeg : .png
            try Data(try ImageEncoder.encode(bytes: rgb, width: 320, height: 240, bands: 3, as: format))
                .write(to: folder.appendingPathComponent(String(format: "scan%03d.%@", index, format.fileExtension)))
        }
        try Data("not an image".utf8).write(to: input.appendingPathComponent("writer0/notes.png"))
        try Data().write(to: input.appendingPathComponent("writer1/empty.jpg"))
        let pipeline = root.appendingPathComponent("emnist.yaml")
        try FileManager.default.copyItem(at: CLIEndToEndTests.repositoryRoot.appendingPathComponent("pipelines/emnist.yaml"), to: pipeline)
        return (root, input, pipeline)
    }

    /// Every file under `directory` (hidden ones too) with its bytes.
    func snapshot(_ directory: URL, only keep: (String) -> Bool = { _ in true }) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for relative in try FileManager.default.subpathsOfDirectory(atPath: directory.path) where keep(relative) {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: directory.path + "/" + relative, isDirectory: &isDirectory)
            if !isDirectory.boolValue { files[relative] = try Data(contentsOf: directory.appendingPathComponent(relative)) }
        }
        return files
    }

    func testKilledRunsResumeToTheUninterruptedResult() throws {
        let (root, input, pipeline) = try makeInput(count: 60)
        let reference = root.appendingPathComponent("reference")
        let clock = ContinuousClock()
        let started = clock.now
        XCTAssertEqual(try glyphprep(["run", pipeline.path, input.path, "-o", reference.path, "--jobs", "2"]).status, 1)
        let full = clock.now - started
        let expected = try snapshot(reference)
        XCTAssertEqual(expected.count, 60 + 2, "images, manifest, run.json")

        let output = root.appendingPathComponent("killed")
        var generator = SplitMix64(seed: 7)
        let fullMicroseconds = max(50_000, Int(full.components.seconds) * 1_000_000 + Int(full.components.attoseconds / 1_000_000_000_000))
        var kills: [Int] = []
        for _ in 0..<5 {
            let delay = Int(generator.next() % UInt64(fullMicroseconds * 9 / 10))
            let process = try start(["run", pipeline.path, input.path, "-o", output.path, "--jobs", "2", "--resume"])
            usleep(UInt32(delay))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            kills.append(delay / 1000)
            let partial = output.appendingPathComponent(".manifest.jsonl.partial").path
            for line in (FileManager.default.contents(atPath: partial).map { String(decoding: $0, as: UTF8.self) } ?? "").split(separator: "\n") {
                guard let png = line.range(of: #""output":""#).map({ line[$0.upperBound...].prefix(while: { $0 != "\"" }) }) else { continue }
                XCTAssertTrue(OutputCheck.isIntactPNG(at: output.path + "/" + png, side: 28), "recorded output \(png) is intact")
            }
        }
        let resumed = try glyphprep(["run", pipeline.path, input.path, "-o", output.path, "--jobs", "2", "--resume"])
        XCTAssertEqual(resumed.status, 1, resumed.stderr)
        print("full run \(full); kills after \(kills) ms; final resume: \(resumed.stderr)")
        let actual = try snapshot(output)
        XCTAssertEqual(actual.keys.sorted(), expected.keys.sorted(), "no leftovers, nothing missing")
        XCTAssertEqual(actual, expected, "byte-identical to the uninterrupted run")

        let changed = root.appendingPathComponent("changed.yaml")
        try (String(contentsOf: pipeline, encoding: .utf8) + "\n# tweaked\n").write(to: changed, atomically: true, encoding: .utf8)
        let refused = try glyphprep(["run", changed.path, input.path, "-o", output.path, "--resume"])
        XCTAssertEqual(refused.status, 64)
        XCTAssertTrue(refused.stderr.contains(SHA256.hex(try String(contentsOf: pipeline, encoding: .utf8))), refused.stderr)
        XCTAssertTrue(refused.stderr.contains(SHA256.hex(try String(contentsOf: changed, encoding: .utf8))), refused.stderr)
    }

    func testShardsMergeIntoTheSingleRun() throws {
        let (root, input, pipeline) = try makeInput(count: 40)
        let single = root.appendingPathComponent("single")
        XCTAssertEqual(try glyphprep(["run", pipeline.path, input.path, "-o", single.path, "--jobs", "2"]).status, 1)

        let sharded = root.appendingPathComponent("sharded")
        let processes = try (0..<4).map { index in
            index == 3
                ? try start(["run", pipeline.path, input.path, "-o", sharded.path, "--jobs", "1", "--shard", "4"], environment: ["JOB_COMPLETION_INDEX": "3"])
                : try start(["run", pipeline.path, input.path, "-o", sharded.path, "--jobs", "1", "--shard", "\(index)/4"])
        }
        for process in processes { process.waitUntilExit() }
        let sizes = try (0..<4).map { index in
            try String(contentsOf: sharded.appendingPathComponent("manifest-\(index)-of-4.jsonl"), encoding: .utf8).split(separator: "\n").count
        }
        XCTAssertEqual(sizes.reduce(0, +), 42)
        XCTAssertTrue(sizes.allSatisfy { $0 > 0 }, "\(sizes)")

        try FileManager.default.moveItem(at: sharded.appendingPathComponent("manifest-2-of-4.jsonl"), to: root.appendingPathComponent("aside.jsonl"))
        let incomplete = try glyphprep(["merge", sharded.path])
        XCTAssertEqual(incomplete.status, 1)
        XCTAssertTrue(incomplete.stderr.contains("shards without a finished manifest: 2"), incomplete.stderr)
        XCTAssertTrue(incomplete.stderr.contains("\(sizes[2]) files missing"), incomplete.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sharded.path + "/manifest.jsonl"))
        try FileManager.default.moveItem(at: root.appendingPathComponent("aside.jsonl"), to: sharded.appendingPathComponent("manifest-2-of-4.jsonl"))

        let merged = try glyphprep(["merge", sharded.path])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        let isShardFile: (String) -> Bool = { $0.hasPrefix("manifest-") || $0.hasPrefix("run-") }
        XCTAssertEqual(try snapshot(sharded) { !isShardFile($0) }, try snapshot(single))

        let first = try String(contentsOf: sharded.appendingPathComponent("manifest-1-of-4.jsonl"), encoding: .utf8).split(separator: "\n")[0]
        try (String(contentsOf: sharded.appendingPathComponent("manifest-0-of-4.jsonl"), encoding: .utf8) + first + "\n")
            .write(to: sharded.appendingPathComponent("manifest-0-of-4.jsonl"), atomically: true, encoding: .utf8)
        let duplicated = try glyphprep(["merge", sharded.path])
        XCTAssertEqual(duplicated.status, 1)
        XCTAssertTrue(duplicated.stderr.contains("1 files duplicated"), duplicated.stderr)
    }
}

/// A small seeded generator, so the kill delays are the same on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e3779b97f4a7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
        z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
        return z ^ (z >> 31)
    }
}
