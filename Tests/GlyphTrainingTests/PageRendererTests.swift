import Foundation
import XCTest
@testable import GlyphTraining
@testable import GlyphPipeline
@testable import GlyphImaging

final class PageRendererTests: XCTestCase {
    /// Pen strokes of an o, an H (three strokes), an i (stem and dot) and an x (two crossing strokes).
    static let unipen = ".SEGMENT CHARACTER 0 ? \"o\"\n.PEN_DOWN\n 30 0\n 55 15\n 60 50\n 40 80\n 15 75\n 0 40\n 10 10\n 30 0\n.PEN_UP\n"
        + ".SEGMENT CHARACTER 1 ? \"H\"\n.PEN_DOWN\n 0 0\n 0 100\n.PEN_UP\n.PEN_DOWN\n 0 50\n 60 50\n.PEN_UP\n.PEN_DOWN\n 60 0\n 60 100\n.PEN_UP\n"
        + ".SEGMENT CHARACTER 2 ? \"i\"\n.PEN_DOWN\n 10 0\n 11 2\n.PEN_UP\n.PEN_DOWN\n 10 25\n 10 100\n.PEN_UP\n"
        + ".SEGMENT CHARACTER 3 ? \"x\"\n.PEN_DOWN\n 0 0\n 70 90\n.PEN_UP\n.PEN_DOWN\n 70 0\n 0 90\n.PEN_UP\n"

    /// The four letters by two writers.
    func samples() throws -> [StrokeSample] {
        try UnipenParser.parse(Self.unipen, writer: "w01") + UnipenParser.parse(Self.unipen, writer: "w02")
    }

    /// A page pipeline without a model.
    static let yaml = """
        version: 1
        name: page-test
        stages:
          - decode: {shrink: auto, min_side: 1000}
          - grayscale
          - invert: {mode: auto}
          - flatten_background: {block: 0.1, percentile: 50}
          - normalize: {paper_percentile: 50, ink_percentile: 99.9, min_contrast: 16, clear_border: true}
          - remove_ruled_lines
          - segment
          - crop_to_bbox: {threshold: 0.35}
          - resize: {square_pad: 2, size: 28}
        """

    func testPagesAreDeterministicAndTheirBoxesLieOnThePage() throws {
        let renderer = PageRenderer(samples: try samples())
        for layout in PageLayout.allCases {
            let page = renderer.render(layout: layout, photo: true, seed: 7, stream: 3)
            XCTAssertEqual(page.gray, renderer.render(layout: layout, photo: true, seed: 7, stream: 3).gray)
            XCTAssertNotEqual(page.gray, renderer.render(layout: layout, photo: true, seed: 7, stream: 4).gray)
            XCTAssertGreaterThanOrEqual(page.glyphs.count, 3, "\(layout)")
            XCTAssertEqual(Set(page.glyphs.map(\.writer)).count, 1, "one writer per page")
            for glyph in page.glyphs {
                XCTAssertTrue(glyph.box.x >= 0 && glyph.box.y >= 0 && glyph.box.x + glyph.box.width <= page.width
                              && glyph.box.y + glyph.box.height <= page.height)
            }
            XCTAssertEqual(page.text.split(separator: "\n").count, Set(page.glyphs.map(\.line)).count)
        }
    }

    func testSegmentationFindsTheRenderedLettersInReadingOrder() throws {
        let renderer = PageRenderer(samples: try samples())
        let pipeline = Pipeline(configuration: try PipelineConfiguration.parse(yaml: Self.yaml))
        try VipsRuntime.start(threadsPerImage: 1)
        var truth = 0, found = 0, matched = 0, exact = 0
        for index in 0..<6 {
            let (layout, photo) = PageBench.kind(of: index)
            let page = renderer.render(layout: layout, photo: photo, seed: 11, stream: UInt64(index))
            let bytes = try ImageEncoder.encode(page.raster, as: photo ? .jpeg : .png, quality: 88)
            let processed = try pipeline.processPage(FileBytes(bytes))
            let score = PageEvaluation.score(truth: page.glyphs, found: processed.glyphs.map { ($0.sourceBox, nil) })
            truth += score.truth; found += score.found; matched += score.matched
            if score.orderExact { exact += 1 }
        }
        XCTAssertGreaterThanOrEqual(Double(matched) / Double(truth), 0.95, "recall")
        XCTAssertGreaterThanOrEqual(Double(matched) / Double(found), 0.95, "precision")
        XCTAssertGreaterThanOrEqual(exact, 5, "pages in exact reading order")
    }

    func testScoresMatchBoxesOneToOneAndCheckTheOrder() {
        let a = PixelRect(x: 0, y: 0, width: 10, height: 10), b = PixelRect(x: 20, y: 0, width: 10, height: 10)
        XCTAssertEqual(PageEvaluation.iou(a, PixelRect(x: 5, y: 0, width: 10, height: 10)), 50.0 / 150.0, accuracy: 1e-9)
        let truth = [PageTruth(box: a, label: "a", line: 0, word: 0, writer: "w01"), PageTruth(box: b, label: "b", line: 0, word: 0, writer: "w01")]
        let inOrder = PageEvaluation.score(truth: truth, found: [(a, "A"), (b, "x")])
        XCTAssertEqual(inOrder.matched, 2)
        XCTAssertEqual(inOrder.correct, 1)
        XCTAssertTrue(inOrder.orderExact)
        let swapped = PageEvaluation.score(truth: truth, found: [(b, nil), (a, nil)])
        XCTAssertEqual(swapped.matched, 2)
        XCTAssertFalse(swapped.orderExact)
        let doubled = PageEvaluation.score(truth: truth, found: [(a, nil), (a, nil), (b, nil)])
        XCTAssertEqual(doubled.matched, 2)
        XCTAssertEqual(doubled.found, 3)
        XCTAssertFalse(doubled.orderExact)
    }
}
