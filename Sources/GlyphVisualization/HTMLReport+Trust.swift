import Foundation
import GlyphImaging
import GlyphPipeline
import GlyphTraining

extension HTMLReport {
    /// The files whose prediction the classifier withheld (`low_confidence`, `not_a_letter`, …),
    /// counted per reason and shown as a contact sheet for review; empty when there are none.
    func withheldSection(_ records: [ManifestRecord], limit: Int = 240) throws -> String {
        let withheld = RecordQuery(filters: [.withheld(nil)], order: .confidence).apply(records)
        guard !withheld.isEmpty else { return "" }
        let reasons = Dictionary(grouping: withheld.compactMap(\.reason), by: { $0 })
        var html = "<h2>Withheld for review</h2>\n<p>"
            + reasons.keys.sorted().map { "<code>\(Self.escape($0))</code> \(reasons[$0]?.count ?? 0)" }.joined(separator: " · ")
            + " <span class=\"muted\">(least confident first\(withheld.count > limit ? ", the first \(limit)" : ""); "
            + "<code>glyphprep sheet DIR --filter withheld</code> draws them all)</span></p>\n"
        let sheet = try ContactSheet(columns: 12, scale: 3, title: "\(withheld.count) withheld")
            .render(Array(withheld.prefix(limit)), outputDirectory: outputDirectory)
        html += "<img class=\"sheet\" alt=\"withheld files\" src=\"\(Self.dataURI(try sheet.png(), type: "image/png"))\">\n"
        return html
    }

    /// The reliability diagram: `reliability.png` of the run directory when `eval` wrote one,
    /// else, given true labels, drawn from the labelled files' top guesses; empty otherwise.
    func reliabilitySection(_ records: [ManifestRecord]) throws -> String {
        let path = (outputDirectory as NSString).appendingPathComponent(ReliabilityDiagram.fileName)
        var png = FileManager.default.contents(atPath: path).map { [UInt8]($0) }
        if png == nil, !labels.isEmpty {
            var confidences: [Double] = [], correct: [Bool] = []
            for record in records {
                guard let truth = trueLabel(of: record), let best = record.top?.first else { continue }
                confidences.append(Double(best.probability))
                correct.append(best.label == truth)
            }
            if !confidences.isEmpty {
                let bins = Calibration.reliabilityBins(confidences: confidences, correct: correct, bins: 10)
                let ece = Calibration.expectedCalibrationError(confidences: confidences, correct: correct, bins: 10)
                let title = String(format: "Reliability — %d labelled files, ECE %.4f (10 bins)", confidences.count, ece)
                png = try ReliabilityDiagram(bins: bins, title: title).canvas().png()
            }
        }
        guard let png else { return "" }
        return "<h2>Calibration</h2>\n<p class=\"muted\">Per bin of the top guess's probability, the share that was right; "
            + "a calibrated model's bars reach the diagonal.</p>\n"
            + "<img alt=\"reliability diagram\" src=\"\(Self.dataURI(png, type: "image/png"))\">\n"
    }
}
