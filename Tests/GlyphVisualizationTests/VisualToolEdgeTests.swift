import Foundation
import XCTest
@testable import GlyphVisualization
import GlyphTestSupport
@testable import GlyphPipeline
@testable import GlyphImaging

/// Wide scans, links out of the input: the visual tools show what `run` read, nothing else.
final class VisualToolEdgeTests: XCTestCase {
    func testWideScanKeepsToItsPanel() throws {
        let pipeline = Pipeline(configuration: try PipelineConfiguration.parse(yaml: TestImages.pipelineYAML))
        let rgb = TestImages.paperRGB(width: 1200, height: 400, ink: PixelRect(x: 500, y: 100, width: 60, height: 200))
        let png = try ImageEncoder.encode(bytes: rgb, width: 1200, height: 400, bands: 3, as: .png)
        let renderer = PreviewRenderer(pipeline: pipeline, panelHeight: 100)
        let (_, panels) = try renderer.renderWithLayout([PreviewInput(name: "wide.png", data: png)])
        let row = try XCTUnwrap(panels.first)
        XCTAssertGreaterThanOrEqual(row[0].width, 300, "a 3:1 scan at 100 px high is 300 px wide")
        for (left, right) in zip(row, row.dropFirst()) {
            XCTAssertLessThanOrEqual(left.x + left.width, right.x)
        }
    }

    func testReportShowsNoOriginalThroughALinkOutOfTheInput() throws {
        let base = try TestImages.temporaryDirectory()
        let input = base.appendingPathComponent("in"), outside = base.appendingPathComponent("secret.png")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let rgb = TestImages.paperRGB(width: 60, height: 40, ink: PixelRect(x: 20, y: 5, width: 8, height: 30))
        let png = Data(try ImageEncoder.encode(bytes: rgb, width: 60, height: 40, bands: 3, as: .png))
        try png.write(to: outside)
        try png.write(to: input.appendingPathComponent("inside.png"))
        try FileManager.default.createSymbolicLink(atPath: input.appendingPathComponent("leak.png").path, withDestinationPath: outside.path)
        let report = HTMLReport(outputDirectory: base.path, inputDirectory: input.path)
        XCTAssertFalse(report.originalThumbnail(ManifestRecord(input: "inside.png", status: .ok)).isEmpty)
        XCTAssertEqual(report.originalThumbnail(ManifestRecord(input: "leak.png", status: .ok)), "")
        var refused = ManifestRecord(input: "leak.png", status: .error)
        refused.error = StageFailure(.outsideInput, "symbolic link outside the input directory")
        XCTAssertEqual(report.originalThumbnail(refused), "")
    }

    func testReportShowsPagesWithTheirBoxesAndText() throws {
        let input = try TestImages.temporaryDirectory()
        let rgb = TestImages.paperRGB(width: 200, height: 100, ink: PixelRect(x: 20, y: 20, width: 10, height: 40))
        try Data(try ImageEncoder.encode(bytes: rgb, width: 200, height: 100, bands: 3, as: .png)).write(to: input.appendingPathComponent("sheet.png"))
        func glyph(_ index: Int, _ prediction: String, word: Int) -> ManifestRecord {
            var record = ManifestRecord(input: "sheet.png", status: .ok, width: 200, height: 100,
                                        bbox: PixelRect(x: 20 + 50 * index, y: 20, width: 10, height: 40))
            record.glyph = index
            record.glyphs = 3
            record.line = 0
            record.word = word
            record.prediction = prediction
            return record
        }
        let records = [glyph(0, "h", word: 0), glyph(1, "i", word: 0), glyph(2, "x", word: 1)]
        let html = HTMLReport(outputDirectory: input.path, inputDirectory: input.path).pagesSection(records)
        XCTAssertTrue(html.contains("<h2>Pages</h2>"), html)
        XCTAssertTrue(html.contains("<pre>hi x</pre>"), html)
        XCTAssertTrue(html.contains("data:image/png;base64,"), "the page with its boxes")
        XCTAssertEqual(HTMLReport(outputDirectory: input.path).pagesSection([ManifestRecord(input: "a.png", status: .ok)]), "")
    }
}
