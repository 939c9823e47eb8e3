import Foundation
import XCTest
@testable import GlyphImaging
@testable import GlyphPipeline
import GlyphTestSupport

/// Every file under the input root gets a manifest line, whatever the bytes of its name.
final class InputNameTests: XCTestCase {
    func testNamesRoundTripByteForByte() {
        let samples: [[UInt8]] = [
            Array("plain.png".utf8), Array("é.png".utf8), [0x62, 0xFF, 0x2E, 0x70], [0xC3], [0xE2, 0x82],
            Array("\u{10FF85}x".utf8), [0xF4, 0x8F, 0xBF, 0xBF], [0xED, 0xA0, 0x80],
        ]
        for bytes in samples {
            XCTAssertEqual(FileSystemName.encode(FileSystemName.decode(bytes)), bytes, "\(bytes)")
        }
        XCTAssertEqual(FileSystemName.decode(Array("é.png".utf8)), "é.png")
    }

    func testJSONEscapesBytesLikePythonSurrogateEscape() throws {
        let name = FileSystemName.decode([0x62, 0xFF, 0x6E])
        let line = ManifestRecord(input: name, status: .ok).jsonLine
        XCTAssertEqual(line, #"{"input":"b\udcffn","status":"ok"}"#)
        XCTAssertEqual(try ManifestRecord(jsonLine: line).input, name)
        // A real surrogate pair (U+10080) written by another tool stays that character.
        XCTAssertEqual(try ManifestRecord(jsonLine: #"{"input":"\ud800\udc80","status":"ok"}"#).input, "\u{10080}")
        XCTAssertEqual(try ManifestRecord(jsonLine: #"{"input":"\\udcff","status":"ok"}"#).input, #"\udcff"#)
    }

    func testFileWithNonUTF8NameGetsItsLineAndItsOutput() throws {
        let input = try ScanTree().makeTree(count: 2)
        let source = try Data(contentsOf: input.appendingPathComponent("set0/scan000.png"))
        let badDirectory = input.path + "/set0/d" + FileSystemName.decode([0xFE]) + "r"
        try FileSystemName.createDirectories(badDirectory)
        let badName = badDirectory + "/bad" + FileSystemName.decode([0xFF]) + "name.png"
        try AtomicFile.write([UInt8](source), to: badName)
        let output = try TestImages.temporaryDirectory().appendingPathComponent("out").path
        let pipeline = Pipeline(configuration: try PipelineConfiguration.parse(yaml: TestImages.pipelineYAML))
        let summary = try BatchRunner(pipeline: pipeline).run(input: input.path, output: output)
        XCTAssertEqual(summary.total, 3)
        XCTAssertEqual(summary.succeeded, 3)
        let text = try String(contentsOfFile: output + "/manifest.jsonl", encoding: .utf8)
        XCTAssertTrue(text.contains(#"{"input":"set0/d\udcfer/bad\udcffname.png","status":"ok","output":"set0/d\udcfer/bad\udcffname.png""#), text)
        var info = stat()
        let written = [UInt8]("\(output)/set0/d".utf8) + [0xFE] + Array("r/bad".utf8) + [0xFF] + Array("name.png".utf8) + [0]
        XCTAssertEqual(written.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { stat($0.baseAddress!, &info) } }, 0)
        let resumed = try BatchRunner(pipeline: pipeline, options: BatchOptions(resume: true)).run(input: input.path, output: output)
        XCTAssertEqual(resumed.reused, 3)
    }

    func testUnlistableDirectoryIsReportedNotSkipped() throws {
        let input = try ScanTree().makeTree(count: 3)
        let walker = try InputWalker(root: input.path) { directory in
            if directory.hasSuffix("/set1") { throw POSIXFailure(operation: "list \(directory)", code: EACCES) }
            return try FileSystemName.contentsOfDirectory(atPath: directory)
        }
        let files = Array(walker)
        XCTAssertEqual(files.map(\.relativePath), ["set0/scan000.png", "set1/", "set2/scan002.png"])
        let refusal = try XCTUnwrap(files[1].refusal)
        XCTAssertEqual(refusal.code, .readError)
        XCTAssertTrue(refusal.message.contains("Permission denied"), refusal.message)
    }
}
