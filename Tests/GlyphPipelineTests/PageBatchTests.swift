import Foundation
import XCTest
@testable import GlyphPipeline
import GlyphTestSupport
@testable import GlyphImaging

/// A run of a page pipeline: one manifest line per glyph, pages.jsonl, resume and shards.
final class PageBatchTests: XCTestCase {
    static let yaml = """
        version: 1
        name: page-test
        stages:
          - decode: {shrink: 2}
          - grayscale
          - invert
          - normalize
          - segment
          - crop_to_bbox
          - resize: {box: 20}
          - pad: {size: 28}
        """

    /// Letters (rings) in source pixels: three in a row, then a line of two words.
    static let letters = [PixelRect(x: 40, y: 30, width: 80, height: 120), PixelRect(x: 160, y: 30, width: 80, height: 120),
                          PixelRect(x: 280, y: 30, width: 80, height: 120),
                          PixelRect(x: 40, y: 200, width: 80, height: 120), PixelRect(x: 320, y: 200, width: 80, height: 120)]

    /// `book/page.png` (the letters), `book/blank.png` (no ink) and `cover.png` (one letter).
    func makeInput() throws -> URL {
        let input = try TestImages.temporaryDirectory().appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input.appendingPathComponent("book"), withIntermediateDirectories: true)
        func write(_ strokes: [PixelRect], to name: String) throws {
            let png = try ImageEncoder.encode(bytes: TestImages.paperRGB(width: 600, height: 360, strokes: strokes),
                                              width: 600, height: 360, bands: 3, as: .png)
            try Data(png).write(to: input.appendingPathComponent(name))
        }
        try write(Self.letters.flatMap { TestPage.ring($0, stroke: 10) }, to: "book/page.png")
        try write([], to: "book/blank.png")
        try write(TestPage.ring(Self.letters[0], stroke: 10), to: "cover.png")
        return input
    }

    func run(_ input: URL, _ output: URL, options: BatchOptions = BatchOptions(jobs: 2)) throws -> BatchSummary {
        let pipeline = Pipeline(configuration: try PipelineConfiguration.parse(yaml: Self.yaml))
        return try BatchRunner(pipeline: pipeline, options: options).run(input: input.path, output: output.path)
    }

    func lines(_ path: URL) throws -> [[String: Any]] {
        try String(contentsOf: path, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testOneLinePerGlyphWithSourceBoxesAndThePagesText() throws {
        let input = try makeInput()
        let output = try TestImages.temporaryDirectory().appendingPathComponent("out")
        let summary = try run(input, output)
        XCTAssertEqual(summary.total, 3)
        XCTAssertEqual(summary.failed, 1)
        let manifest = try lines(output.appendingPathComponent("manifest.jsonl"))
        XCTAssertEqual(manifest.map { $0["input"] as? String }, ["book/blank.png"] + Array(repeating: "book/page.png", count: 5) + ["cover.png"])
        XCTAssertEqual((manifest[0]["error"] as? [String: Any])?["code"] as? String, "no_ink")
        let page = Array(manifest[1...5])
        XCTAssertEqual(page.map { $0["glyph"] as? Int }, [0, 1, 2, 3, 4])
        XCTAssertEqual(page.map { $0["glyphs"] as? Int }, [5, 5, 5, 5, 5])
        XCTAssertEqual(page.map { $0["line"] as? Int }, [0, 0, 0, 1, 1])
        XCTAssertEqual(page.map { $0["word"] as? Int }, [0, 0, 0, 0, 1])
        XCTAssertEqual(page.map { $0["output"] as? String }, (0..<5).map { "book/page.glyphs/00\($0).png" })
        for (line, truth) in zip(page, Self.letters) {
            let box = try XCTUnwrap(line["bbox"] as? [String: Int])
            for (key, value) in [("x", truth.x), ("y", truth.y), ("width", truth.width), ("height", truth.height)] {
                XCTAssertLessThanOrEqual(abs((box[key] ?? -99) - value), 2, "\(key) of \(box) vs \(truth) (source pixels, decoded at 1/2)")
            }
            let png = output.appendingPathComponent(try XCTUnwrap(line["output"] as? String)).path
            XCTAssertTrue(OutputCheck.isIntactPNG(at: png, side: 28))
        }
        XCTAssertEqual(manifest[6]["glyph"] as? Int, 0, "a page of one letter is a page too")
        let pages = try lines(output.appendingPathComponent(PageText.fileName))
        XCTAssertEqual(pages.map { $0["input"] as? String }, ["book/blank.png", "book/page.png", "cover.png"])
        XCTAssertEqual(pages.map { $0["text"] as? String }, ["", "???\n? ?", "?"])
        XCTAssertEqual(pages[0]["error"] as? String, "no_ink")
    }

    func testResumeKeepsWholePagesAndRedoesAPageMissingAGlyph() throws {
        let input = try makeInput()
        let output = try TestImages.temporaryDirectory().appendingPathComponent("out")
        _ = try run(input, output)
        let first = try Data(contentsOf: output.appendingPathComponent("manifest.jsonl"))
        var summary = try run(input, output, options: BatchOptions(jobs: 2, resume: true, retryFailed: false))
        XCTAssertEqual(summary.reused, 3)
        XCTAssertEqual(try Data(contentsOf: output.appendingPathComponent("manifest.jsonl")), first)
        try FileManager.default.removeItem(at: output.appendingPathComponent("book/page.glyphs/003.png"))
        summary = try run(input, output, options: BatchOptions(jobs: 2, resume: true, retryFailed: false))
        XCTAssertEqual(summary.reused, 2)
        XCTAssertEqual(try Data(contentsOf: output.appendingPathComponent("manifest.jsonl")), first)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("book/page.glyphs/003.png").path))
    }

    func testShardsMergeIntoTheSingleRunsManifestAndText() throws {
        let input = try makeInput()
        let single = try TestImages.temporaryDirectory().appendingPathComponent("single")
        _ = try run(input, single)
        let sharded = try TestImages.temporaryDirectory().appendingPathComponent("sharded")
        for index in 0..<2 {
            _ = try run(input, sharded, options: BatchOptions(jobs: 1, shard: try ShardSpec(index: index, count: 2)))
        }
        let report = try ShardMerger.merge(directory: sharded.path)
        XCTAssertTrue(report.isComplete, "\(report)")
        for name in ["manifest.jsonl", PageText.fileName] {
            XCTAssertEqual(try String(contentsOf: sharded.appendingPathComponent(name), encoding: .utf8),
                           try String(contentsOf: single.appendingPathComponent(name), encoding: .utf8), name)
        }
    }
}
