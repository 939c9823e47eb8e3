import Foundation
import GlyphImaging
import GlyphModel
import GlyphPipeline

/// How a page's found glyphs compare with its true letters.
public struct PageScore: Sendable, Equatable {
    public var truth = 0
    /// Glyphs found.
    public var found = 0
    /// Found glyphs matching a true letter at IoU ≥ 0.5 (one to one).
    public var matched = 0
    /// Every glyph found, none extra, each the true letter at the same reading-order position.
    public var orderExact = false
    /// Matched glyphs classified as their true letter (case-insensitive).
    public var correct = 0
    /// The text read equals the true text, spaces and line breaks included.
    public var textExact = false

    public init() {}
}

/// Scores segmentation against rendered pages with known boxes.
public enum PageEvaluation {
    /// Intersection over union of two boxes.
    public static func iou(_ a: PixelRect, _ b: PixelRect) -> Double {
        let w = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
        let h = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
        guard w > 0, h > 0 else { return 0 }
        let inter = Double(w * h)
        return inter / (Double(a.width * a.height + b.width * b.height) - inter)
    }

    /// Scores `found` (reading order, with predictions) against `truth` (reading order).
    public static func score(truth: [PageTruth], found: [(box: PixelRect, prediction: String?)], text: String? = nil,
                             trueText: String? = nil) -> PageScore {
        var score = PageScore()
        score.truth = truth.count
        score.found = found.count
        var pairs: [(iou: Double, t: Int, f: Int)] = []
        for (t, letter) in truth.enumerated() {
            for (f, glyph) in found.enumerated() {
                let overlap = iou(letter.box, glyph.box)
                if overlap >= 0.5 { pairs.append((overlap, t, f)) }
            }
        }
        pairs.sort { ($0.iou, -$0.t, -$0.f) > ($1.iou, -$1.t, -$1.f) }
        var usedT = Set<Int>(), usedF = Set<Int>()
        for pair in pairs where !usedT.contains(pair.t) && !usedF.contains(pair.f) {
            usedT.insert(pair.t)
            usedF.insert(pair.f)
            score.matched += 1
            if found[pair.f].prediction?.lowercased() == String(truth[pair.t].label).lowercased() { score.correct += 1 }
        }
        score.orderExact = truth.count == found.count
            && zip(truth, found).allSatisfy { iou($0.box, $1.box) >= 0.5 }
        if let text, let trueText { score.textExact = text.lowercased() == trueText.lowercased() }
        return score
    }
}

/// Totals over many pages, by kind of page.
public struct PageEvaluationTotals: Sendable {
    public struct Tally: Sendable {
        public var pages = 0, truth = 0, found = 0, matched = 0, orderExact = 0, correct = 0, textExact = 0
        /// Pages through the single-letter pipeline answered with a prediction.
        public var singleAnswered = 0, singlePages = 0
        /// True letters cut from the page and run through the single-letter pipeline: how many, how many right.
        public var singleLetters = 0, singleCorrect = 0

        mutating func add(_ score: PageScore) {
            pages += 1
            truth += score.truth; found += score.found; matched += score.matched; correct += score.correct
            if score.orderExact { orderExact += 1 }
            if score.textExact { textExact += 1 }
        }

        static func percent(_ part: Int, _ whole: Int) -> String {
            whole == 0 ? "–" : String(format: "%.1f %%", 100 * Double(part) / Double(whole))
        }

        /// One line of the report.
        public func line(_ name: String) -> String {
            [name.padding(toLength: 16, withPad: " ", startingAt: 0),
             "pages \(pages)", "letters \(truth)", "found \(found)",
             "recall \(Self.percent(matched, truth))", "precision \(Self.percent(matched, found))",
             "order exact \(Self.percent(orderExact, pages))", "text exact \(Self.percent(textExact, pages))",
             "accuracy \(Self.percent(correct, matched))",
             "single-letter route \(Self.percent(singleCorrect, singleLetters))",
             "single pipeline answered \(Self.percent(singleAnswered, singlePages))"].joined(separator: "  ")
        }
    }

    public var byKind: [String: Tally] = [:]
    public var all = Tally()

    public init() {}

    public mutating func add(_ score: PageScore, kind: String, singleAnswered: Bool?, singleLetters: Int, singleCorrect: Int) {
        for key in [kind] {
            byKind[key, default: Tally()].add(score)
            if singleAnswered == true { byKind[key, default: Tally()].singleAnswered += 1 }
            if singleAnswered != nil { byKind[key, default: Tally()].singlePages += 1 }
            byKind[key, default: Tally()].singleLetters += singleLetters
            byKind[key, default: Tally()].singleCorrect += singleCorrect
        }
        all.add(score)
        if singleAnswered == true { all.singleAnswered += 1 }
        if singleAnswered != nil { all.singlePages += 1 }
        all.singleLetters += singleLetters
        all.singleCorrect += singleCorrect
    }

    public var reportLines: [String] {
        byKind.keys.sorted().compactMap { key in byKind[key].map { $0.line(key) } } + [all.line("all")]
    }
}
