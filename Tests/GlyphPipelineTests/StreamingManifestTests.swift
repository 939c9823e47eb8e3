import Foundation
import XCTest
@testable import GlyphPipeline
import GlyphTestSupport
@testable import GlyphImaging

/// The streaming merge and resume: walk order, the line parser, the external sort, and merged
/// or resumed manifests byte-identical to a single run over names whose walk order differs
/// from plain byte order.
final class StreamingManifestTests: XCTestCase {
    /// Files whose walk order is not the byte order of their paths (`a/…` before `a-b`, `a b`).
    /// Also names that are not UTF-8 (bytes 80 and FF, held as U+10FF80 and U+10FFFF, see
    /// `FileSystemName`): byte 80 sorts before an emoji's lead byte F0, its UTF-8 escape after.
    static let trickyNames = ["a/x.png", "a/y/z.jpg", "a-b.png", "a b.png", "a0.png", "ab/c.png", "Zed.jpg",
                              "é.png", "e\u{301}x.png", "q\"uote.png", "sub/deeper/w.png", "sub.png", "sub-1/v.jpg",
                              "\u{10FF80}low.png", "\u{1F600}.png", "raw/\u{10FFFF}.png"]

    func makeTrickyTree() throws -> URL {
        let root = try TestImages.temporaryDirectory()
        for (index, name) in Self.trickyNames.enumerated() {
            let path = root.path + "/" + name
            try FileSystemName.createDirectories((path as NSString).deletingLastPathComponent)
            let rect = PixelRect(x: 10 + index * 3, y: 20 + index % 5, width: 20, height: 40)
            let rgb = TestImages.paperRGB(width: 100, height: 90, strokes: TestImages.letterL(in: rect))
            let format: ImageFileFormat = name.hasSuffix(".png") ? .png : .jpeg
            try AtomicFile.write(try ImageEncoder.encode(bytes: rgb, width: 100, height: 90, bands: 3, as: format), to: path)
        }
        try Data("not an image".utf8).write(to: root.appendingPathComponent("a/broken.png"))
        return root
    }

    func pipeline() throws -> Pipeline {
        Pipeline(configuration: try PipelineConfiguration.parse(yaml: TestImages.pipelineYAML), sourceText: TestImages.pipelineYAML)
    }

    func testWalkOrderIsTheWalkersOrder() throws {
        let root = try makeTrickyTree()
        let walked = try InputWalker(root: root.path).map(\.relativePath)
        XCTAssertEqual(walked.count, Self.trickyNames.count + 1)
        for (a, b) in zip(walked, walked.dropFirst()) {
            XCTAssertEqual(WalkOrder.compare(a, b), -1, "\(a) before \(b)")
            XCTAssertEqual(WalkOrder.compare(b, a), 1, "\(b) after \(a)")
        }
        XCTAssertEqual(WalkOrder.compare("a/x.png", "a/x.png"), 0)
        XCTAssertNotEqual(WalkOrder.compare("é.png", "e\u{301}.png"), 0, "bytes, not canonical equivalence")
        XCTAssertNotEqual(walked, walked.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) },
                          "the tree must tell walk order from byte order")
    }

    func testLineParserAgreesWithJSONSerialization() {
        let lines = [
            #"{"input":"a.png","status":"ok","output":"a.png","width":3,"bbox":{"x":1,"y":-2},"top":[{"label":"a","p":0.5}]}"#,
            #"{"input":"d\u00e9j\u00e0/\ud83d\ude00 \"q\"\\.png","status":"error","error":{"code":"no_ink","message":"x\ny"}}"#,
            #" { "status" : "ok" , "input" : "b" , "n" : [ 1e5 , -0.25E-3, true, false, null, {} , [] ] } "#,
            #"{"input":"c","status":"ok","output":7}"#, #"{"input":"c","status":"done"}"#, #"{"input":3,"status":"ok"}"#,
            #"{"input":"c","status":"ok"} x"#, #"{"input":"c","status":"ok",}"#, #"{"input":"c","status":"ok","a":[1,],"b":{"c":2,}}"#, #"{"input":"c",,"status":"ok"}"#, #"{"input":"c""#, #"[1]"#, "", "garbage",
            #"{"input":"c","status":"ok","n":01}"#, #"{"input":"c","status":"ok","n":1.}"#, #"{"input":"\ud800","status":"ok"}"#,
            "{\"input\":\"tab\tin\",\"status\":\"ok\"}", #"{"input":"c","status":"ok","input":"d"}"#, #"{"input":"\q","status":"ok"}"#,
            #"{"input":"raw\udcff\udc80.png","status":"ok","output":"x\uDCFE"}"#, #"{"input":"\udc41","status":"ok"}"#,
            #"{"input":"\ud83d\udc80","status":"ok"}"#, #"{"input":"\udbff\udfff","status":"ok"}"#,
        ]
        for text in lines {
            let expected: (String, String, String?)? = {
                guard let object = (try? JSONSerialization.jsonObject(with: EscapedFileNameBytes.restore(Data(text.utf8)))) as? [String: Any],
                      let input = object["input"] as? String, let status = object["status"] as? String,
                      ManifestRecord.Status(rawValue: status) != nil else { return nil }
                return (input, status, object["output"] as? String)
            }()
            let parsed = Array(text.utf8).withUnsafeBytes { ManifestLineParser.parse($0) }
            XCTAssertEqual(parsed?.input, expected?.0, text)
            XCTAssertEqual(parsed?.status.rawValue, expected?.1, text)
            XCTAssertEqual(parsed?.output, expected?.2, text)
            if let parsed { XCTAssertEqual(parsed.text, text) }
        }
    }

    func testExternalSortIsAStableSortInWalkOrder() throws {
        let directory = try TestImages.temporaryDirectory()
        let names = (0..<300).map { Self.trickyNames[($0 * 7919) % Self.trickyNames.count] }
        let lines = names.enumerated().map { #"{"input":"\#($1.replacingOccurrences(of: "\"", with: "\\\""))","status":"ok","n":\#($0)}"# }
        let path = directory.path + "/m.jsonl"
        try Data((lines.joined(separator: "\n") + "\ngarbage\n").utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertFalse(Self.isInWalkOrder(path))
        let expected = lines.enumerated().sorted { a, b in
            let order = WalkOrder.compare(names[a.offset], names[b.offset])
            return order != 0 ? order < 0 : a.offset < b.offset
        }.map { $0.element + "\n" }.joined()
        for runBytes in [200, 1 << 20] {
            let sorted = try ManifestSorter.sortedCopy(of: path, besideTarget: directory.path + "/out.jsonl", runBytes: runBytes)
            XCTAssertEqual(try String(contentsOfFile: sorted, encoding: .utf8), expected, "runs of \(runBytes) bytes")
            XCTAssertTrue(Self.isInWalkOrder(sorted))
            unlink(sorted)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["m.jsonl"], "no runs left behind")
    }

    static func isInWalkOrder(_ path: String) -> Bool {
        let stream = ManifestStream(path: path)
        while stream.next() != nil {}
        return stream.isInWalkOrder
    }

    func testMergedShardsEqualTheSingleRun() throws {
        let input = try makeTrickyTree()
        let single = try TestImages.temporaryDirectory()
        _ = try BatchRunner(pipeline: try pipeline(), options: BatchOptions(jobs: 2, chunkSize: 3)).run(input: input.path, output: single.path)
        let sharded = try TestImages.temporaryDirectory()
        for index in 0..<3 {
            let options = BatchOptions(jobs: 1, chunkSize: 2, shard: try ShardSpec(index: index, count: 3))
            _ = try BatchRunner(pipeline: try pipeline(), options: options).run(input: input.path, output: sharded.path)
        }
        let report = try ShardMerger.merge(directory: sharded.path)
        XCTAssertTrue(report.isComplete, "\(report)")
        XCTAssertEqual(report.files, Self.trickyNames.count + 1)
        XCTAssertEqual(report.sortedShards, [])
        let manifest = try Data(contentsOf: single.appendingPathComponent("manifest.jsonl"))
        XCTAssertEqual(try Data(contentsOf: sharded.appendingPathComponent("manifest.jsonl")), manifest)
        XCTAssertEqual(try Data(contentsOf: sharded.appendingPathComponent("run.json")), try Data(contentsOf: single.appendingPathComponent("run.json")))

        // A shard manifest out of walk order (reversed) is sorted first; the result is the same.
        let shard1 = sharded.appendingPathComponent("manifest-1-of-3.jsonl")
        let lines = try String(contentsOf: shard1, encoding: .utf8).split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 1)
        try Data((lines.reversed().joined(separator: "\n") + "\n").utf8).write(to: shard1)
        try FileManager.default.removeItem(at: sharded.appendingPathComponent("manifest.jsonl"))
        let resorted = try ShardMerger.merge(directory: sharded.path)
        XCTAssertEqual(resorted.sortedShards, [1])
        XCTAssertEqual(try Data(contentsOf: sharded.appendingPathComponent("manifest.jsonl")), manifest)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sharded.path).filter { $0.hasPrefix(".") }, [])

        // Lines for files no longer in the input, and files no shard has, are counted.
        try FileManager.default.moveItem(at: input.appendingPathComponent("a0.png"), to: input.appendingPathComponent("a00.png"))
        let changed = try ShardMerger.merge(directory: sharded.path)
        XCTAssertFalse(changed.isComplete)
        XCTAssertEqual(changed.missing.first, ["a00.png"])
        XCTAssertEqual(changed.unexpected.first, ["a0.png"])
        XCTAssertEqual(try Data(contentsOf: sharded.appendingPathComponent("manifest.jsonl")), manifest, "not rewritten")
    }

    func testResumeReadsAnOldTextSortedPreviousState() throws {
        let input = try makeTrickyTree()
        let output = try TestImages.temporaryDirectory()
        let runner = BatchRunner(pipeline: try pipeline(), options: BatchOptions(jobs: 2, chunkSize: 3))
        _ = try runner.run(input: input.path, output: output.path)
        let manifestURL = output.appendingPathComponent("manifest.jsonl")
        let manifest = try Data(contentsOf: manifestURL)

        // What glyphprep 0.1.0 left after a killed resume: `.previous` sorted by line text, a
        // partial manifest of the first files, no final manifest; one output gone.
        let lines = try String(contentsOf: manifestURL, encoding: .utf8).split(separator: "\n").map(String.init)
        try Data(lines.sorted().map { $0 + "\n" }.joined().utf8).write(to: output.appendingPathComponent(".manifest.jsonl.previous"))
        try Data(lines.prefix(4).map { $0 + "\n" }.joined().utf8).write(to: output.appendingPathComponent(".manifest.jsonl.partial"))
        try FileManager.default.removeItem(at: manifestURL)
        try FileManager.default.removeItem(at: output.appendingPathComponent("sub/deeper/w.png"))
        XCTAssertFalse(Self.isInWalkOrder(output.path + "/.manifest.jsonl.previous"), "the test needs an unordered state")

        let resumed = try BatchRunner(pipeline: try pipeline(), options: BatchOptions(jobs: 2, chunkSize: 3, resume: true))
            .run(input: input.path, output: output.path)
        XCTAssertEqual(resumed.total, lines.count)
        XCTAssertEqual(resumed.reused, lines.count - 2, "all but the retried failure and the deleted output")
        XCTAssertEqual(try Data(contentsOf: manifestURL), manifest)
        let hidden = try FileManager.default.subpathsOfDirectory(atPath: output.path).filter { ($0 as NSString).lastPathComponent.hasPrefix(".") }
        XCTAssertEqual(hidden, [])
    }
}
