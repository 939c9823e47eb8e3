import Foundation
import XCTest
@testable import GlyphVisualization
import GlyphTestSupport
@testable import GlyphModel
@testable import GlyphPipeline
@testable import GlyphImaging

private struct FakeClassifier: Classifying {
    let labels = ["a", "e", "x"]
    var fails = false

    func classify(_ images: [Raster]) throws -> [[ManifestRecord.Guess]] {
        if fails { throw VisualizationError("model exploded") }
        return images.map { _ in
            [.init(label: "e", probability: 0.7), .init(label: "a", probability: 0.2), .init(label: "x", probability: 0.1)]
        }
    }
}

private struct FakeActivations: ActivationSource {
    var fails = false

    func activations(for image: Raster) throws -> [LayerActivation] {
        if fails { throw VisualizationError("no such layer") }
        return [
            LayerActivation(name: "conv1", shape: [4, 5, 5], values: (0..<100).map { Float($0 % 7) }),
            LayerActivation(name: "dense", shape: [26], values: (0..<26).map { Float($0) }),
            LayerActivation(name: "logits", shape: [3], values: [0.1, 0.7, 0.2]),
        ]
    }
}

final class VisualizationTests: XCTestCase {
    static func makePipeline() throws -> Pipeline {
        Pipeline(configuration: try PipelineConfiguration.parse(yaml: TestImages.pipelineYAML))
    }

    func scan(ink rect: PixelRect, width: Int = 160, height: Int = 120) throws -> PreviewInput {
        let rgb = TestImages.paperRGB(width: width, height: height, ink: rect)
        return PreviewInput(name: "scan \(rect.x)", data: try ImageEncoder.encode(bytes: rgb, width: width, height: height, bands: 3, as: .png))
    }

    func blank() throws -> PreviewInput {
        let rgb = TestImages.paperRGB(width: 120, height: 90, ink: PixelRect(x: 0, y: 0, width: 0, height: 0))
        return PreviewInput(name: "blank", data: try ImageEncoder.encode(bytes: rgb, width: 120, height: 90, bands: 3, as: .png))
    }

    // MARK: Colour map and heat maps

    func testViridisEnds() {
        XCTAssertEqual(Viridis.color(0), RGB(68, 1, 84))
        XCTAssertEqual(Viridis.color(1), RGB(253, 231, 37))
        XCTAssertEqual(Viridis.color(0.5), RGB(33, 145, 140))
        XCTAssertEqual(Viridis.color(-3), RGB(68, 1, 84))
        XCTAssertEqual(Viridis.color(.nan), RGB(68, 1, 84))
        XCTAssertEqual(Viridis.table.count, 256)
    }

    func testNextLargerSquare() {
        XCTAssertEqual(ActivationMap.squareSide(for: 26), 6)
        XCTAssertEqual(ActivationMap.squareSide(for: 25), 5)
        XCTAssertEqual(ActivationMap.squareSide(for: 1), 1)
        XCTAssertEqual(ActivationMap.squareSide(for: 10), 4)
        XCTAssertEqual(ActivationMap.layout(for: [26], count: 26), .vector(count: 26, side: 6))
        XCTAssertEqual(ActivationMap.layout(for: [1, 8, 26, 26], count: 8 * 26 * 26), .maps(channels: 8, height: 26, width: 26, columns: 3))
    }

    func testVectorHeatMapMarksUnusedCells() {
        let values = (0..<26).map { Float($0) }
        let map = ActivationMap.render(LayerActivation(name: "dense", shape: [26], values: values), target: 48, highlight: 25)
        XCTAssertEqual(map.width, 48)
        XCTAssertEqual(map.height, 48)
        var used = 0, unused = 0
        for index in 0..<36 {
            let centre = map[(index % 6) * 8 + 4, (index / 6) * 8 + 4]
            if centre.r == centre.g && centre.g == centre.b { unused += 1 } else { used += 1 }
            if index >= 26 { XCTAssertEqual(centre.r, centre.g, "cell \(index) should be grey") }
        }
        XCTAssertEqual(used, 26)
        XCTAssertEqual(unused, 10)
        XCTAssertEqual(map[4, 4], Viridis.color(0), "the lowest value is dark purple-blue")
        XCTAssertEqual(map[(24 % 6) * 8 + 4, (24 / 6) * 8 + 4], Viridis.color(24 / 25))
        XCTAssertEqual(map[(25 % 6) * 8, (25 / 6) * 8], RGB.highlight, "the winner is outlined")
        XCTAssertEqual(map[(25 % 6) * 8 + 4, (25 / 6) * 8 + 4], Viridis.color(1), "the highest value is yellow")
    }

    func testConvLayerIsAGridOfMaps() {
        let layer = LayerActivation(name: "conv", shape: [5, 4, 4], values: (0..<80).map(Float.init))
        let map = ActivationMap.render(layer, target: 40)
        // 3×2 grid of 4×4 maps at scale 3 with 2 px gaps; the sixth slot is unused.
        XCTAssertEqual(map.width, 3 * 12 + 2 * 2)
        XCTAssertEqual(map.height, 2 * 12 + 2)
        XCTAssertEqual(map[1, 1], Viridis.color(0))
        let unusedSlot = map[2 * 14 + 6, 14 + 6]
        XCTAssertEqual(unusedSlot.r, unusedSlot.g)
        XCTAssertNotEqual(map[14 + 6, 6], map[6, 6], "channels differ")
    }

    // MARK: Preview

    func testPreviewDimensionsForOneAndManyImages() throws {
        let renderer = PreviewRenderer(pipeline: try Self.makePipeline(), panelHeight: 64)
        let one = try renderer.renderWithLayout([try scan(ink: PixelRect(x: 30, y: 20, width: 30, height: 60))])
        let inputs = try (0..<3).map { try scan(ink: PixelRect(x: 20 + 25 * $0, y: 20, width: 20 + 10 * $0, height: 60)) }
        let three = try renderer.renderWithLayout(inputs)
        let columns = try 2 + Self.makePipeline().stages.count
        XCTAssertEqual(one.panels.count, 1)
        XCTAssertEqual(three.panels.count, 3)
        XCTAssertEqual(one.panels[0].count, columns)
        let rowHeight = renderer.titleHeight + 64 + PreviewRenderer.captionGap + renderer.captionHeight
        XCTAssertEqual(one.canvas.height, 2 * PreviewRenderer.margin + rowHeight)
        XCTAssertEqual(three.canvas.height, 2 * PreviewRenderer.margin + 3 * rowHeight + 2 * PreviewRenderer.rowGap)
        XCTAssertEqual(one.canvas.width, three.canvas.width, "rows share one column layout")
        for row in three.panels {
            XCTAssertEqual(row.map(\.x), three.panels[0].map(\.x), "columns line up")
            XCTAssertTrue(row.allSatisfy { $0.height == 64 })
        }
        // Neighbouring stages change the image, so their panels differ.
        let means = three.panels[0].map { three.canvas.mean(in: $0) }
        for (a, b) in [(2, 3), (3, 4), (4, 5), (6, 7)] {
            XCTAssertNotEqual(means[a], means[b], accuracy: 0.5, "panels \(a) and \(b) differ")
        }
        // Different scans give different rows.
        XCTAssertNotEqual(three.canvas.mean(in: three.panels[0][columns - 1]), three.canvas.mean(in: three.panels[2][columns - 1]))
        let png = try three.canvas.png()
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
    }

    func testPreviewShowsEveryPageOfAMultiPageTIFF() throws {
        let inks = [PixelRect(x: 20, y: 20, width: 30, height: 60), PixelRect(x: 90, y: 30, width: 50, height: 70)]
        let bytes = inks.flatMap { TestImages.paperRGB(width: 160, height: 120, ink: $0) }
        let tiff = try ImageEncoder.encode(bytes: bytes, width: 160, height: 240, bands: 3, as: .tiff, pageHeight: 120)
        let inputs = PreviewInput.pages(name: "doc.tif", data: tiff)
        XCTAssertEqual(inputs.map(\.name), ["doc.tif (page 1 of 2)", "doc.tif (page 2 of 2)"])
        let renderer = PreviewRenderer(pipeline: try Self.makePipeline(), panelHeight: 64)
        let preview = try renderer.renderWithLayout(inputs)
        let columns = try 2 + Self.makePipeline().stages.count
        XCTAssertEqual(preview.panels.count, 2)
        for index in [0, 1, columns - 1] {
            XCTAssertNotEqual(preview.canvas.mean(in: preview.panels[0][index]), preview.canvas.mean(in: preview.panels[1][index]),
                              accuracy: 0.5, "column \(index): each row shows its own page")
        }
    }

    func testFailedStageShowsErrorPanel() throws {
        let renderer = PreviewRenderer(pipeline: try Self.makePipeline(), panelHeight: 64)
        let row = renderer.makeRow(try blank())
        let cropIndex = try XCTUnwrap(row.panels.firstIndex { $0.title == "crop_to_bbox" })
        guard case let .error(code, _) = row.panels[cropIndex].content else { return XCTFail("expected an error panel") }
        XCTAssertEqual(code, "no_ink")
        guard case .notRun = row.panels[cropIndex + 1].content else { return XCTFail("later stages are not run") }
        XCTAssertNil(row.final)
        let garbage = renderer.makeRow(PreviewInput(name: "notes", data: Array("hello".utf8)))
        guard case .error = garbage.panels[0].content, case .error = garbage.panels[1].content else {
            return XCTFail("unreadable file: error panels for original and decode")
        }
        let drawn = try renderer.renderWithLayout([try blank()])
        let area = drawn.panels[0][cropIndex]
        XCTAssertEqual(drawn.canvas[area.x + area.width - 4, area.y + area.height - 4], RGB.errorFill)
    }

    func testPredictionsAndActivations() throws {
        let input = try scan(ink: PixelRect(x: 40, y: 20, width: 30, height: 70))
        let plain = try PreviewRenderer(pipeline: try Self.makePipeline(), panelHeight: 64).render([input])
        let full = try PreviewRenderer(pipeline: try Self.makePipeline(), classifier: FakeClassifier(), activationSource: FakeActivations(),
                                       panelHeight: 64).render([input, try blank()])
        XCTAssertEqual(full.width, plain.width + PreviewRenderer.gap + PreviewRenderer.predictionWidth)
        XCTAssertGreaterThan(full.height, 2 * plain.height)
        let renderer = PreviewRenderer(pipeline: try Self.makePipeline(), classifier: FakeClassifier(), activationSource: FakeActivations())
        let panels = renderer.layerPanels(try FakeActivations().activations(for: Raster(width: 28, height: 28)))
        XCTAssertEqual(panels.map(\.title), ["conv1", "dense", "logits"])
        XCTAssertEqual(panels[0].subtitle, "4×5×5")
        XCTAssertEqual(panels[2].subtitle, "3 · winner e (0.70)")
        // Failures of the model are drawn, not thrown.
        XCTAssertNoThrow(try PreviewRenderer(pipeline: try Self.makePipeline(), classifier: FakeClassifier(fails: true),
                                             activationSource: FakeActivations(fails: true), panelHeight: 48).render([input]))
    }

    // MARK: Contact sheet

    func makeRun(count: Int, errors: Set<Int> = []) throws -> URL {
        let directory = try TestImages.temporaryDirectory()
        let glyph = TestImages.block(width: 28, height: 28, rect: PixelRect(x: 8, y: 6, width: 10, height: 16))
        try Data(try ImageEncoder.encode(glyph)).write(to: directory.appendingPathComponent("g.png"))
        var lines: [String] = []
        for index in 0..<count {
            var record = ManifestRecord(input: String(format: "scan%04d.jpg", index), status: .ok)
            if errors.contains(index) {
                record.status = .error
                record.error = StageFailure(.noInk, "blank")
            } else {
                record.output = "g.png"
                let p = Float((index * 37) % 100) / 100
                record.prediction = ["a", "e", "x"][index % 3]
                record.top = [.init(label: record.prediction ?? "", probability: p), .init(label: "k", probability: 1 - p)]
            }
            lines.append(record.jsonLine)
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: directory.appendingPathComponent("manifest.jsonl"))
        return directory
    }

    func testManifestLinesReadBack() throws {
        var record = ManifestRecord(input: "a/b.jpg", output: "a/b.png", status: .ok, width: 10, height: 20,
                                    bbox: PixelRect(x: 1, y: 2, width: 3, height: 4))
        record.prediction = "e"
        record.top = [.init(label: "e", probability: 0.5)]
        XCTAssertEqual(try ManifestRecord(jsonLine: record.jsonLine), record)
        let failed = ManifestRecord(input: "n.png", status: .error, error: StageFailure(.unsupportedFormat, "nope"))
        XCTAssertEqual(try ManifestRecord(jsonLine: failed.jsonLine), failed)
        XCTAssertThrowsError(try ManifestRecord(jsonLine: "{\"status\":\"ok\"}"))
    }

    func testSheetDimensionsForOneAndAThousandImages() throws {
        let sheet = ContactSheet(columns: 10, scale: 3)
        let one = try sheet.render(outputDirectory: try makeRun(count: 1).path)
        XCTAssertEqual(one.width, 2 * ContactSheet.margin + sheet.cellWidth)
        XCTAssertEqual(one.height, 2 * ContactSheet.margin + sheet.headerHeight + sheet.cellHeight)
        let run = try makeRun(count: 1000, errors: [3, 500])
        let many = try sheet.render(outputDirectory: run.path)
        XCTAssertEqual(many.width, 2 * ContactSheet.margin + 10 * sheet.cellWidth + 9 * ContactSheet.gap)
        XCTAssertEqual(many.height, 2 * ContactSheet.margin + sheet.headerHeight + 100 * sheet.cellHeight + 99 * ContactSheet.gap)
        // Cell 0 shows the glyph enlarged ×3 with nearest neighbour; cell 3 is an error placeholder.
        let (x0, y0) = sheet.origin(ofCell: 0, count: 1000)
        let left = x0 + (sheet.cellWidth - 84) / 2
        XCTAssertEqual(many[left + 8 * 3, y0 + 6 * 3], RGB(255, 255, 255))
        XCTAssertEqual(many[left + 8 * 3 - 1, y0 + 6 * 3], RGB(0, 0, 0))
        let (x3, y3) = sheet.origin(ofCell: 3, count: 1000)
        XCTAssertEqual(many[x3 + (sheet.cellWidth - 84) / 2 + 60, y3 + 70], RGB.errorFill)
    }

    func testSheetFiltersAndSort() throws {
        let records = try ManifestRecord.read(outputDirectory: try makeRun(count: 12, errors: [4]).path)
        let byConfidence = RecordQuery(order: .confidence).apply(records)
        let confidences = byConfidence.compactMap(\.confidence)
        XCTAssertEqual(confidences, confidences.sorted())
        XCTAssertEqual(byConfidence.last?.status, .error, "files without a confidence come last")
        XCTAssertEqual(RecordQuery(filters: [try RecordFilter(parsing: "status=error")]).apply(records).map(\.input), ["scan0004.jpg"])
        let low = RecordQuery(filters: [try RecordFilter(parsing: "confidence<0.5")]).apply(records)
        XCTAssertFalse(low.isEmpty)
        XCTAssertTrue(low.allSatisfy { ($0.confidence ?? 1) < 0.5 })
        let a = RecordQuery(filters: [try RecordFilter(parsing: "label=a")]).apply(records)
        XCTAssertEqual(a.count, 4)
        XCTAssertTrue(a.allSatisfy { $0.prediction == "a" })
        XCTAssertEqual(RecordQuery(order: .input, limit: 2).apply(records.reversed()).map(\.input), ["scan0000.jpg", "scan0001.jpg"])
        XCTAssertThrowsError(try RecordFilter(parsing: "colour=red"))
        XCTAssertThrowsError(try RecordFilter(parsing: "status=maybe"))
        XCTAssertThrowsError(try RecordFilter(parsing: "confidence<lots"))
    }

    // MARK: Report

    func testReportIsSelfContainedWithOneRowPerFile() throws {
        let run = try makeRun(count: 7, errors: [2])
        let labels = try HTMLReport.parseLabels(csv: "file,label\nscan0000.jpg,a\nscan0001.jpg,a\nscan0003.jpg,a\n")
        XCTAssertEqual(labels.count, 3)
        let html = try HTMLReport(outputDirectory: run.path, labels: labels).render()
        XCTAssertFalse(html.contains("http://"))
        XCTAssertFalse(html.contains("https://"))
        XCTAssertNil(html.range(of: #"(src|href)\s*=\s*"(?!data:)"#, options: .regularExpression), "only data URIs")
        XCTAssertEqual(html.components(separatedBy: "<tr data-status=").count - 1, 7)
        XCTAssertEqual(html.components(separatedBy: "data-status=\"error\"").count - 1, 1)
        XCTAssertTrue(html.contains("Confusion matrix"))
        XCTAssertTrue(html.contains("<script>"))
        XCTAssertFalse(html.contains("<script src"))
        let (classes, counts) = HTMLReport(outputDirectory: run.path, labels: labels).confusion(try ManifestRecord.read(outputDirectory: run.path))
        XCTAssertEqual(classes, ["a", "e"])
        XCTAssertEqual(counts, [[2, 1], [0, 0]])
    }
}
