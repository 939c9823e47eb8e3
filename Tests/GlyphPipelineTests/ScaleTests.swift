import Foundation
import XCTest
@testable import GlyphPipeline
import GlyphTestSupport
@testable import GlyphImaging

final class HashAndShardTests: XCTestCase {
    func testSHA256Vectors() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(String(repeating: "a", count: 1000)),
                       "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    func testFNV1a64Vectors() {
        XCTAssertEqual(FNV1a64.hash(""), 0xcbf29ce484222325)
        XCTAssertEqual(FNV1a64.hash("a"), 0xaf63dc4c8601ec8c)
        XCTAssertEqual(FNV1a64.hash("foobar"), 0x85944171f73967e8)
    }

    func testShardSpecParsing() throws {
        XCTAssertEqual(try ShardSpec.parse("1/4", environment: [:]), try ShardSpec(index: 1, count: 4))
        XCTAssertEqual(try ShardSpec.parse("4", environment: ["JOB_COMPLETION_INDEX": "2"]), try ShardSpec(index: 2, count: 4))
        XCTAssertEqual(try ShardSpec.parse("4", environment: ["SLURM_ARRAY_TASK_ID": "3"]), try ShardSpec(index: 3, count: 4))
        XCTAssertEqual(try ShardSpec.parse("4", environment: ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1"]), try ShardSpec(index: 3, count: 4))
        for bad in ["4/4", "-1/4", "a/4", "0/0", "1/2/3", "4"] {
            XCTAssertThrowsError(try ShardSpec.parse(bad, environment: [:]), bad)
        }
    }

    func testShardsPartitionEveryPathOnceAndBalance() throws {
        let shards = try (0..<4).map { try ShardSpec(index: $0, count: 4) }
        var sizes = [0, 0, 0, 0]
        for n in 0..<4000 {
            let owners = shards.filter { $0.contains("set\(n % 7)/scan\(n).jpg") }
            XCTAssertEqual(owners.count, 1)
            sizes[owners[0].index] += 1
        }
        XCTAssertTrue(sizes.allSatisfy { (900...1100).contains($0) }, "\(sizes)")
    }

    func testTornAndInvalidManifestLinesAreDropped() throws {
        let directory = try TestImages.temporaryDirectory()
        let path = directory.path + "/m.jsonl"
        let text = #"{"input":"a.png","status":"ok","output":"a.png"}"# + "\n" + "garbage\n"
            + #"{"input":"b.png","status":"error","error":{"code":"no_ink","message":"x"}}"# + "\n" + #"{"input":"c.png","sta"#
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(ManifestReader.lines(at: path).map(\.input), ["a.png", "b.png"])
        try Data((text + "tus\":\"ok\"}").utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(ManifestReader.lines(at: path).map(\.input), ["a.png", "b.png"], "no trailing newline: torn")
    }

    func testOutputOptionsParsing() throws {
        func parse(_ output: String) throws -> OutputOptions {
            try PipelineConfiguration.parse(yaml: "version: 1\nstages:\n  - decode\n  - grayscale\noutput:\n" + output).output
        }
        XCTAssertEqual(try parse("  format: npy\n  labels: folders\n"), OutputOptions(format: .npy, labels: .folders))
        XCTAssertEqual(try parse("  format: idx\n  labels: labels.csv\n"), OutputOptions(format: .idx, labels: .csv("labels.csv")))
        XCTAssertEqual(try parse("  format: png\n"), OutputOptions())
        XCTAssertThrowsError(try parse("  format: npz\n")) { error in
            XCTAssertTrue("\(error)".contains("<pipeline>:6:11"), "\(error)")
            XCTAssertTrue("\(error)".contains("Did you mean 'npy'?"), "\(error)")
        }
        XCTAssertThrowsError(try parse("  format: npy\n  labels: names\n")) { error in
            XCTAssertTrue("\(error)".contains(":7:11"), "\(error)")
        }
        XCTAssertThrowsError(try parse("  format: png\n  labels: folders\n"))
        XCTAssertThrowsError(try parse("  format: npy\n  label: folders\n")) { error in
            XCTAssertTrue("\(error)".contains("Did you mean 'labels'?"), "\(error)")
        }
    }
}

final class ResumeTests: XCTestCase {
    let tree = ScanTree()

    func pipeline(_ extra: String = "") throws -> Pipeline {
        let text = TestImages.pipelineYAML + "\n" + extra
        return Pipeline(configuration: try PipelineConfiguration.parse(yaml: text), sourceText: text)
    }

    func testResumeRepairsDamageAndMatchesAFreshRun() throws {
        let input = try tree.makeTree(count: 12)
        try Data("not an image".utf8).write(to: input.appendingPathComponent("set0/notes.png"))
        let output = try TestImages.temporaryDirectory()
        let runner = BatchRunner(pipeline: try pipeline(), options: BatchOptions(jobs: 2, chunkSize: 5))
        _ = try runner.run(input: input.path, output: output.path)
        let manifest = try Data(contentsOf: output.appendingPathComponent("manifest.jsonl"))
        let image = try Data(contentsOf: output.appendingPathComponent("set1/scan004.png"))
        let runJSON = try String(contentsOf: output.appendingPathComponent("run.json"), encoding: .utf8)
        XCTAssertTrue(runJSON.contains(#""pipeline_sha256":"\#(SHA256.hex(try pipeline().sourceText))""#), runJSON)

        // Damage: one output gone, one truncated, the manifest torn after a few lines and
        // left as the partial manifest of a killed run.
        try FileManager.default.removeItem(at: output.appendingPathComponent("set0/scan000.png"))
        try Data(image.prefix(20)).write(to: output.appendingPathComponent("set1/scan004.png"))
        try FileManager.default.removeItem(at: output.appendingPathComponent("manifest.jsonl"))
        try Data(manifest.prefix(manifest.count * 2 / 3)).write(to: output.appendingPathComponent(".manifest.jsonl.partial"))
        try Data("junk".utf8).write(to: output.appendingPathComponent("set2/.scan002.png.tmp-1-2"))

        let resumed = BatchRunner(pipeline: try pipeline(), options: BatchOptions(jobs: 2, chunkSize: 5, resume: true))
        let summary = try resumed.run(input: input.path, output: output.path)
        XCTAssertEqual(summary.total, 13)
        XCTAssertGreaterThan(summary.reused, 3)
        XCTAssertLessThan(summary.reused, 12)
        XCTAssertEqual(try Data(contentsOf: output.appendingPathComponent("manifest.jsonl")), manifest)
        XCTAssertEqual(try Data(contentsOf: output.appendingPathComponent("set1/scan004.png")), image)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.path + "/set0/scan000.png"))
        let hidden = try FileManager.default.subpathsOfDirectory(atPath: output.path).filter { ($0 as NSString).lastPathComponent.hasPrefix(".") }
        XCTAssertEqual(hidden, [])

        // A second resume reuses everything but the failed file, which it retries.
        let again = try resumed.run(input: input.path, output: output.path)
        XCTAssertEqual(again.reused, 12)
        let kept = try BatchRunner(pipeline: try pipeline(), options: BatchOptions(jobs: 2, resume: true, retryFailed: false))
            .run(input: input.path, output: output.path)
        XCTAssertEqual(kept.reused, 13)
        XCTAssertEqual(try Data(contentsOf: output.appendingPathComponent("manifest.jsonl")), manifest)
    }

    func testChangedPipelineRefusesToResumeUnlessForced() throws {
        let input = try tree.makeTree(count: 2)
        let output = try TestImages.temporaryDirectory()
        _ = try BatchRunner(pipeline: try pipeline()).run(input: input.path, output: output.path)
        let changed = try pipeline("# tweaked")
        XCTAssertThrowsError(try BatchRunner(pipeline: changed, options: BatchOptions(resume: true)).run(input: input.path, output: output.path)) { error in
            XCTAssertTrue("\(error)".contains(SHA256.hex(try! self.pipeline().sourceText)), "\(error)")
            XCTAssertTrue("\(error)".contains(SHA256.hex(changed.sourceText)), "\(error)")
        }
        let forced = try BatchRunner(pipeline: changed, options: BatchOptions(resume: true, force: true)).run(input: input.path, output: output.path)
        XCTAssertEqual(forced.reused, 2)
    }
}

final class DatasetExportTests: XCTestCase {
    let tree = ScanTree()

    func run(format: String, labels: String) throws -> (input: URL, output: URL, summary: BatchSummary) {
        let input = try tree.makeTree(count: 9)
        try Data("not an image".utf8).write(to: input.appendingPathComponent("set0/notes.png"))
        let text = TestImages.pipelineYAML + "\noutput: {format: \(format), labels: \(labels)}\n"
        let pipeline = Pipeline(configuration: try PipelineConfiguration.parse(yaml: text), sourceText: text)
        let output = try TestImages.temporaryDirectory()
        if labels.hasSuffix(".csv") {
            let rows = (0..<9).map { n in String(format: "set%d/scan%03d.%@,\"l,%d\"", n % 3, n, n % 2 == 0 ? "png" : "jpg", n % 4) }
            try Data(("file,label\n" + rows.joined(separator: "\n") + "\n").utf8).write(to: input.appendingPathComponent(labels))
        }
        let summary = try BatchRunner(pipeline: pipeline, options: BatchOptions(jobs: 2)).run(input: input.path, output: output.path)
        return (input, output, summary)
    }

    /// The ok rows of the manifest: their outputs' pixels and inputs.
    func expectedRows(_ output: URL) throws -> [(input: String, pixels: [UInt8])] {
        try ManifestReader.lines(at: output.path + "/manifest.jsonl").filter { $0.status == .ok }.map { line in
            let data = try Data(contentsOf: output.appendingPathComponent(line.output ?? ""))
            return (line.input, try DecodeStage().decode([UInt8](data)).0.bytes())
        }
    }

    func testNpyRoundTripWithFolderLabels() throws {
        let (_, output, summary) = try run(format: "npy", labels: "folders")
        XCTAssertEqual(summary.notes, [])
        let rows = try expectedRows(output)
        XCTAssertEqual(rows.count, 9)
        let (shape, images) = try readNpy(output.appendingPathComponent("images.npy"))
        XCTAssertEqual(shape, [9, 28, 28])
        XCTAssertEqual(images, rows.flatMap(\.pixels))
        let (labelShape, labels) = try readNpy(output.appendingPathComponent("labels.npy"))
        XCTAssertEqual(labelShape, [9])
        let classes = try String(contentsOf: output.appendingPathComponent("classes.txt"), encoding: .utf8)
        XCTAssertEqual(classes, "set0\nset1\nset2\n")
        XCTAssertEqual(labels, rows.map { UInt8(String($0.input.prefix(4).suffix(1))) ?? 99 })
        let index = try String(contentsOf: output.appendingPathComponent("index.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(index.first, "row,input,label")
        XCTAssertEqual(index.dropFirst().map { String($0.split(separator: ",")[1]) }, rows.map(\.input))
        try checkWithNumpy(output, count: 9)
    }

    func testIdxRoundTripWithCSVLabels() throws {
        let (_, output, summary) = try run(format: "idx", labels: "labels.csv")
        XCTAssertEqual(summary.notes, [])
        let rows = try expectedRows(output)
        let images = try gunzip(output.appendingPathComponent("images-idx3-ubyte.gz"))
        XCTAssertEqual(Array(images.prefix(16)), DatasetExporter.bigEndian([0x0803, 9, 28, 28]))
        XCTAssertEqual(Array(images.dropFirst(16)), rows.flatMap(\.pixels))
        let labels = try gunzip(output.appendingPathComponent("labels-idx1-ubyte.gz"))
        XCTAssertEqual(Array(labels.prefix(8)), DatasetExporter.bigEndian([0x0801, 9]))
        let classes = try String(contentsOf: output.appendingPathComponent("classes.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(classes, ["l,0", "l,1", "l,2", "l,3"])
        let scanNumbers = rows.map { Int($0.input.dropFirst(9).prefix(3)) ?? -1 }
        XCTAssertEqual(Array(labels.dropFirst(8)), scanNumbers.map { UInt8($0 % 4) })
        let index = try String(contentsOf: output.appendingPathComponent("index.csv"), encoding: .utf8)
        XCTAssertTrue(index.contains("0,set0/scan000.png,\"l,0\"\n"), index)
    }

    func testMissingLabelsAreReportedAndLabelFilesSkipped() throws {
        let input = try tree.makeTree(count: 3)
        let image = try Data(contentsOf: input.appendingPathComponent("set0/scan000.png"))
        try image.write(to: input.appendingPathComponent("top.png"))
        let text = TestImages.pipelineYAML + "\noutput: {format: npy, labels: folders}\n"
        let pipeline = Pipeline(configuration: try PipelineConfiguration.parse(yaml: text), sourceText: text)
        let output = try TestImages.temporaryDirectory()
        let summary = try BatchRunner(pipeline: pipeline).run(input: input.path, output: output.path)
        XCTAssertEqual(summary.notes.count, 1)
        XCTAssertTrue(summary.notes[0].contains("top.png"), "\(summary.notes)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.path + "/images.npy"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path + "/labels.npy"))
    }

    /// A minimal reader of uint8 .npy files (format 1.0).
    func readNpy(_ url: URL) throws -> (shape: [Int], data: [UInt8]) {
        let bytes = [UInt8](try Data(contentsOf: url))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = Int(bytes[8]) | Int(bytes[9]) << 8
        XCTAssertEqual((10 + length) % 64, 0)
        let header = String(decoding: bytes[10..<(10 + length)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '|u1', 'fortran_order': False, 'shape': ("), header)
        let dims = header.split(separator: "(")[1].split(separator: ")")[0]
        let shape = dims.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return (shape, Array(bytes[(10 + length)...]))
    }

    func gunzip(_ url: URL) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -dc < '\(url.path)'"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return [UInt8](data)
    }

    func checkWithNumpy(_ output: URL, count: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = "import sys, numpy as n; a = n.load(sys.argv[1]); l = n.load(sys.argv[2]); "
            + "assert a.shape == (\(count), 28, 28) and a.dtype == n.uint8 and l.shape == (\(count),), (a.shape, l.shape); print(int(a.sum()))"
        process.arguments = ["python3", "-c", script, output.path + "/images.npy", output.path + "/labels.npy"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { throw XCTSkip("python3 is not available") }
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let failure = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // env exits 127 when python3 is not on PATH (fresh machines often have none).
        if process.terminationStatus == 127 { throw XCTSkip("python3 is not available") }
        if failure.contains("No module named") { throw XCTSkip("numpy is not available") }
        XCTAssertEqual(process.terminationStatus, 0, failure)
        let (_, pixels) = try readNpy(output.appendingPathComponent("images.npy"))
        XCTAssertEqual(printed.trimmingCharacters(in: .whitespacesAndNewlines), String(pixels.reduce(0) { $0 + Int($1) }))
    }
}

/// Trees of scans: an "L" at a different place and size in each, PNG and JPEG, in three folders.
struct ScanTree {
    func makeTree(count: Int) throws -> URL {
        let root = try TestImages.temporaryDirectory()
        for index in 0..<count {
            let folder = root.appendingPathComponent("set\(index % 3)", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let rect = PixelRect(x: 10 + index % 50, y: 20 + (index * 7) % 40, width: 15 + index % 20, height: 40)
            let rgb = TestImages.paperRGB(width: 120, height: 100, strokes: TestImages.letterL(in: rect))
            let format: ImageFileFormat = index % 2 == 0 ? .png : .jpeg
            let bytes = try ImageEncoder.encode(bytes: rgb, width: 120, height: 100, bands: 3, as: format)
            try Data(bytes).write(to: folder.appendingPathComponent(String(format: "scan%03d.%@", index, format.fileExtension)))
        }
        return root
    }
}
