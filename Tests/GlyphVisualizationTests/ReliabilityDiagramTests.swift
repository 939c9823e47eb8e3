import XCTest
@testable import GlyphPipeline
@testable import GlyphTraining
@testable import GlyphVisualization
import GlyphImaging
import GlyphTestSupport
import Foundation

final class ReliabilityDiagramTests: XCTestCase {
    /// Seven predictions fall into bins 0, 1 and 9 of ten; each bar is as tall as its bin's
    /// share right, the empty bins have none, and the PNG decodes to the canvas.
    func testBinsAndBarsOfAKnownSet() throws {
        let confidences = [0.05, 0.15, 0.19, 0.95, 0.97, 1.0, 0.91]
        let correct = [false, true, false, true, true, true, false]
        let diagram = ReliabilityDiagram(confidences: confidences, correct: correct, title: "test")
        XCTAssertEqual(diagram.bins.count, 10)
        XCTAssertEqual(diagram.bins.map(\.count), [1, 2, 0, 0, 0, 0, 0, 0, 0, 4])
        XCTAssertEqual(diagram.bins[1].accuracy, 0.5)
        XCTAssertEqual(diagram.bins[9].accuracy, 0.75)
        XCTAssertEqual(diagram.bins[9].meanConfidence, (0.95 + 0.97 + 1.0 + 0.91) / 4, accuracy: 1e-12)

        let canvas = try diagram.canvas()
        let side = ReliabilityDiagram.plotSide
        let bar9 = diagram.barRect(9), bar1 = diagram.barRect(1)
        XCTAssertEqual(bar9.height, 225, "0.75 of the 300 px plot")
        XCTAssertEqual(bar1.height, 150)
        XCTAssertEqual(diagram.barRect(0).height, 0, "nothing right in bin 0")
        XCTAssertEqual(canvas[bar9.x + 3, bar9.y + 5], RGB.bar)
        XCTAssertNotEqual(canvas[bar9.x + 3, bar9.y - 5], RGB.bar, "the bar stops at 0.75")
        let emptyBin = diagram.barRect(4)
        XCTAssertNotEqual(canvas[emptyBin.x + 3, ReliabilityDiagram.plotY + side - 3], RGB.bar)

        let png = try canvas.png()
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
    }

    /// An evaluation's diagram covers only files of the model's classes that were classified.
    func testEvaluationDiagramLeavesOutNegatives() throws {
        func record(_ input: String, _ top: String, _ p: Float, prediction: String?) -> ManifestRecord {
            var record = ManifestRecord(input: input, status: .ok)
            record.top = [ManifestRecord.Guess(label: top, probability: p)]
            record.prediction = prediction
            return record
        }
        let records = [record("a/1.png", "a", 0.92, prediction: "a"), record("a/2.png", "o", 0.55, prediction: nil),
                       record("7/1.png", "j", 0.85, prediction: "j")]
        let evaluation = Evaluation(records: records, labels: nil, classes: EMNISTLetters.labels)
        let diagram = try XCTUnwrap(evaluation.reliabilityDiagram())
        XCTAssertEqual(diagram.bins.map(\.count).reduce(0, +), 2)
        XCTAssertEqual(diagram.bins[9].count, 1)
        XCTAssertEqual(diagram.bins[5].count, 1)
        XCTAssertEqual(diagram.bins[5].accuracy, 0)
    }

    /// The cross-validation's diagram bins every fold's held-out scans at the given temperature.
    func testFoldsDiagramUsesTheTemperature() {
        let sure = Calibration.Scored(logits: [4, 0], truth: 0), wrong = Calibration.Scored(logits: [4, 0], truth: 1)
        func fold(_ scored: [Calibration.Scored]) -> FoldResult {
            FoldResult(writer: "w", scan: 0, clean: nil, naive: nil, singleScan: nil, singleClean: nil,
                       scored: scored, trainImages: 1, seconds: 0)
        }
        let folds = [fold([sure, sure, wrong]), fold([sure])]
        XCTAssertEqual(ReliabilityDiagram(folds: folds, temperature: 1).bins[9].count, 4, "p = 0.982")
        let soft = ReliabilityDiagram(folds: folds, temperature: 4).bins
        XCTAssertEqual(soft[7].count, 4, "p = e / (e + 1) = 0.731")
        XCTAssertEqual(soft[7].accuracy, 0.75)
    }
}

/// Withheld lines can be picked out for review: `--filter withheld` / `reason=R` in the sheet,
/// a "Withheld for review" section, a table filter and the reliability diagram in the report.
final class WithheldReviewTests: XCTestCase {
    func testFiltersAndReportSections() throws {
        let directory = try TestImages.temporaryDirectory()
        let glyph = TestImages.block(width: 28, height: 28, rect: PixelRect(x: 8, y: 6, width: 10, height: 16))
        try Data(try ImageEncoder.encode(glyph)).write(to: directory.appendingPathComponent("g.png"))
        let rows: [(String, String?, String?, Float)] = [("a1.png", "a", nil, 0.95), ("a2.png", nil, "low_confidence", 0.4),
                                                          ("7.png", nil, "not_a_letter", 0.9), ("b.png", "b", nil, 0.8)]
        var records: [ManifestRecord] = []
        for (input, prediction, reason, p) in rows {
            var record = ManifestRecord(input: input, output: "g.png", status: .ok)
            record.prediction = prediction
            record.reason = reason
            record.top = [.init(label: prediction ?? (reason == "not_a_letter" ? "not_a_letter" : "a"), probability: p)]
            records.append(record)
        }
        try Data((records.map(\.jsonLine).joined(separator: "\n") + "\n").utf8)
            .write(to: directory.appendingPathComponent("manifest.jsonl"))

        let withheld = RecordQuery(filters: [try RecordFilter(parsing: "withheld")]).apply(records)
        XCTAssertEqual(withheld.map(\.input), ["a2.png", "7.png"])
        XCTAssertEqual(RecordQuery(filters: [try RecordFilter(parsing: "reason=not_a_letter")]).apply(records).map(\.input), ["7.png"])
        XCTAssertEqual(try RecordFilter(parsing: "withheld").description, "withheld")
        XCTAssertThrowsError(try RecordFilter(parsing: "reason="))

        let plain = try HTMLReport(outputDirectory: directory.path).render()
        XCTAssertTrue(plain.contains("<h2>Withheld for review</h2>\n<p><code>low_confidence</code> 1 · <code>not_a_letter</code> 1"), plain)
        XCTAssertEqual(plain.components(separatedBy: "data-withheld=\"1\"").count - 1, 2)
        XCTAssertFalse(plain.contains("<h2>Calibration</h2>"), "no labels and no reliability.png")
        let labelled = try HTMLReport(outputDirectory: directory.path, labels: ["a1.png": "a", "a2.png": "a", "b.png": "d"]).render()
        XCTAssertTrue(labelled.contains("<h2>Calibration</h2>"))
    }
}
