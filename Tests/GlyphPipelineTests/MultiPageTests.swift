import Foundation
import XCTest
@testable import GlyphPipeline
import GlyphTestSupport
@testable import GlyphImaging

/// Multi-page TIFFs and PDFs: one manifest line per page (per glyph of each page with
/// `segment`), `page`/`pages` in each line, outputs under `NAME.pages/`, resume.
final class MultiPageTests: XCTestCase {
    static let single = TestImages.pipelineYAML

    static let box = PixelRect(x: 60, y: 40, width: 60, height: 90)

    /// A TIFF of pages 160×160: a letter, a blank page, a letter further right.
    static func threePageTIFF() throws -> [UInt8] {
        let pages = [TestImages.letterL(in: box), [], TestImages.letterL(in: PixelRect(x: 90, y: 50, width: 50, height: 80))]
        let bytes = pages.flatMap { TestImages.paperRGB(width: 160, height: 160, strokes: $0) }
        return try ImageEncoder.encode(bytes: bytes, width: 160, height: 480, bands: 3, as: .tiff, pageHeight: 160)
    }

    /// A PDF of `strokes.count` pages of 200×200 pt, each with black 12 pt line segments
    /// (x1, y1, x2, y2 in PDF points, origin bottom left).
    static func pdf(_ strokes: [[(Int, Int, Int, Int)]]) -> [UInt8] {
        var objects = ["<< /Type /Catalog /Pages 2 0 R >>",
                       "<< /Type /Pages /Kids [\((0..<strokes.count).map { "\(3 + 2 * $0) 0 R" }.joined(separator: " "))] /Count \(strokes.count) >>"]
        for (index, segments) in strokes.enumerated() {
            let content = "12 w 1 J " + segments.map { "\($0.0) \($0.1) m \($0.2) \($0.3) l S" }.joined(separator: " ")
            objects.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents \(4 + 2 * index) 0 R >>")
            objects.append("<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream")
        }
        var text = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(text.utf8.count)
            text += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = text.utf8.count
        text += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { text += String(repeating: "0", count: 10 - String(offset).count) + "\(offset) 00000 n \n" }
        text += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Array(text.utf8)
    }

    func makeInput(_ files: [String: [UInt8]]) throws -> URL {
        let input = try TestImages.temporaryDirectory().appendingPathComponent("in")
        for (name, bytes) in files {
            let url = input.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        return input
    }

    func run(_ yaml: String, _ input: URL, _ output: URL, options: BatchOptions = BatchOptions(jobs: 2)) throws -> BatchSummary {
        let pipeline = Pipeline(configuration: try PipelineConfiguration.parse(yaml: yaml))
        return try BatchRunner(pipeline: pipeline, options: options).run(input: input.path, output: output.path)
    }

    func lines(_ path: URL) throws -> [[String: Any]] {
        try String(contentsOf: path, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testATIFFGetsOneLinePerPageAndResumesAsOneFile() throws {
        let letter = try ImageEncoder.encode(bytes: TestImages.paperRGB(width: 160, height: 160, strokes: TestImages.letterL(in: Self.box)),
                                             width: 160, height: 160, bands: 3, as: .tiff)
        let input = try makeInput(["scans/doc.tif": try Self.threePageTIFF(), "scans/one.tif": letter])
        let output = try TestImages.temporaryDirectory().appendingPathComponent("out")
        let summary = try run(Self.single, input, output)
        XCTAssertEqual(summary.total, 2, "files are counted, not pages")
        let manifest = try lines(output.appendingPathComponent("manifest.jsonl"))
        XCTAssertEqual(manifest.map { $0["input"] as? String }, ["scans/doc.tif", "scans/doc.tif", "scans/doc.tif", "scans/one.tif"])
        XCTAssertEqual(manifest.map { $0["page"] as? Int }, [0, 1, 2, nil])
        XCTAssertEqual(manifest.map { $0["pages"] as? Int }, [3, 3, 3, nil])
        XCTAssertEqual(manifest.map { $0["output"] as? String }, ["scans/doc.pages/000.png", nil, "scans/doc.pages/002.png", "scans/one.png"])
        XCTAssertEqual((manifest[1]["error"] as? [String: Any])?["code"] as? String, "no_ink")
        XCTAssertEqual(manifest[0]["height"] as? Int, 160, "a page's own size, not the stack's")
        let boxes = try manifest.compactMap { line -> [String: Int]? in line["bbox"] == nil ? nil : try XCTUnwrap(line["bbox"] as? [String: Int]) }
        XCTAssertEqual(boxes.map { $0["x"] }, [60, 90, 60], "each page's own ink")
        let first = try Data(contentsOf: output.appendingPathComponent("scans/doc.pages/000.png"))
        let last = try Data(contentsOf: output.appendingPathComponent("scans/doc.pages/002.png"))
        XCTAssertNotEqual(first, last)

        let before = try Data(contentsOf: output.appendingPathComponent("manifest.jsonl"))
        let resumed = try run(Self.single, input, output, options: BatchOptions(jobs: 1, resume: true, retryFailed: false))
        XCTAssertEqual(resumed.reused, 2, "the three lines of doc.tif are one file's")
        XCTAssertEqual(try Data(contentsOf: output.appendingPathComponent("manifest.jsonl")), before)

        try FileManager.default.removeItem(at: output.appendingPathComponent("scans/doc.pages/002.png"))
        let repaired = try run(Self.single, input, output, options: BatchOptions(jobs: 1, resume: true, retryFailed: false))
        XCTAssertEqual(repaired.reused, 1, "a lost page output makes the file run again")
        XCTAssertEqual(try Data(contentsOf: output.appendingPathComponent("manifest.jsonl")), before)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("scans/doc.pages/002.png").path))
    }

    func testPDFPagesAreRenderedAtTheDecodeStagesDPI() throws {
        let pdf = Self.pdf([[(60, 160, 60, 40), (60, 40, 130, 40)], [(100, 170, 100, 30)]])
        let input = try makeInput(["form.pdf": pdf])
        let output = try TestImages.temporaryDirectory().appendingPathComponent("out")
        _ = try run(Self.single, input, output)
        let manifest = try lines(output.appendingPathComponent("manifest.jsonl"))
        XCTAssertEqual(manifest.map { $0["status"] as? String }, ["ok", "ok"], "\(manifest)")
        XCTAssertEqual(manifest.map { $0["width"] as? Int }, [833, 833], "200 pt at 300 dpi")
        guard manifest.count == 2 else { return }
        let tall = try XCTUnwrap(manifest[1]["bbox"] as? [String: Int])
        XCTAssertGreaterThan(tall["height"] ?? 0, 3 * (tall["width"] ?? 0), "page 1's single bar, not page 0's L")

        let low = try TestImages.temporaryDirectory().appendingPathComponent("low")
        _ = try run(Self.single.replacingOccurrences(of: "- decode\n", with: "- decode: {dpi: 72}\n"), input, low)
        XCTAssertEqual(try lines(low.appendingPathComponent("manifest.jsonl")).map { $0["width"] as? Int }, [200, 200])
    }

    func testSegmentedPagesOfATIFFNumberPagesAndGlyphs() throws {
        let rings = [PixelRect(x: 30, y: 40, width: 40, height: 60), PixelRect(x: 100, y: 40, width: 40, height: 60)]
        let pages = [rings.flatMap { TestPage.ring($0, stroke: 6) }, TestPage.ring(rings[0], stroke: 6)]
        let bytes = pages.flatMap { TestImages.paperRGB(width: 180, height: 140, strokes: $0) }
        let tiff = try ImageEncoder.encode(bytes: bytes, width: 180, height: 280, bands: 3, as: .tiff, pageHeight: 140)
        let input = try makeInput(["book.tif": tiff])
        let output = try TestImages.temporaryDirectory().appendingPathComponent("out")
        let yaml = PageBatchTests.yaml.replacingOccurrences(of: "{shrink: 2}", with: "{shrink: 1}")
        _ = try run(yaml, input, output)
        let manifest = try lines(output.appendingPathComponent("manifest.jsonl"))
        XCTAssertEqual(manifest.map { $0["page"] as? Int }, [0, 0, 1])
        XCTAssertEqual(manifest.map { $0["glyph"] as? Int }, [0, 1, 0])
        XCTAssertEqual(manifest.map { $0["output"] as? String },
                       ["book.pages/000.glyphs/000.png", "book.pages/000.glyphs/001.png", "book.pages/001.glyphs/000.png"])
        let text = try lines(output.appendingPathComponent(PageText.fileName))
        XCTAssertEqual(text.map { $0["page"] as? Int }, [0, 1])
        XCTAssertEqual(text.map { $0["glyphs"] as? Int }, [2, 1])
        let resumed = try run(yaml, input, output, options: BatchOptions(jobs: 1, resume: true))
        XCTAssertEqual(resumed.reused, 1)
    }

    func testPageCountOfOtherFormatsIsOne() throws {
        let png = try ImageEncoder.encode(bytes: TestImages.paperRGB(width: 20, height: 20, strokes: []), width: 20, height: 20, bands: 3, as: .png)
        XCTAssertEqual(ImageDecoder.pageCount(FileBytes(png)), 1)
        XCTAssertEqual(ImageDecoder.pageCount(FileBytes(try Self.threePageTIFF())), 3)
        XCTAssertEqual(ImageDecoder.pageCount(FileBytes(Array("%PDF-1.4 garbage".utf8))), 1, "unreadable: decoding says why")
    }
}
