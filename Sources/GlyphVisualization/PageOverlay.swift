import GlyphImaging
import GlyphModel
import GlyphPipeline

/// `preview` of a page pipeline: each page scaled to fit, with its glyphs' boxes numbered in
/// reading order and their predictions, and below it the text read.
public struct PageOverlay: Sendable {
    public var pipeline: Pipeline
    public var classifier: (any Classifying)?
    /// The width each page is scaled to at most.
    public var maxWidth: Int

    public init(pipeline: Pipeline, classifier: (any Classifying)? = nil, maxWidth: Int = 1200) {
        self.pipeline = pipeline
        self.classifier = classifier
        self.maxWidth = max(200, maxWidth)
    }

    static let margin = 16, lineHeight = 18

    /// One panel per input, stacked.
    public func render(_ inputs: [PreviewInput]) throws(VipsError) -> Canvas {
        var panels: [Canvas] = []
        for input in inputs { panels.append(try panel(input)) }
        let width = (panels.map(\.width).max() ?? 200) + 2 * Self.margin
        let height = panels.map(\.height).reduce(Self.margin) { $0 + $1 + Self.margin }
        var canvas = Canvas(width: width, height: height)
        var y = Self.margin
        for panel in panels {
            canvas.draw(panel, x: Self.margin, y: y)
            y += panel.height + Self.margin
        }
        return canvas
    }

    /// One page: its name, the page with numbered boxes, the text read (or the failure).
    func panel(_ input: PreviewInput) throws(VipsError) -> Canvas {
        let thumbnail = try DisplayImage.load(input.data, maxWidth: maxWidth, maxHeight: maxWidth * 2, page: input.displayPage)
        var records: [ManifestRecord] = []
        var note: String
        var boxes: [(PixelRect, String)] = []
        do throws(StageFailure) {
            let page = try pipeline.reading(page: input.page).processPage(FileBytes(input.data))
            let classifier = self.classifier
            records = page.records(input: input.name, classify: classifier.map { classifier in { try classifier.classify($0) } })
            let scale = Double(thumbnail.width) / Double(max(1, page.context.sourceWidth))
            for (index, record) in records.enumerated() {
                guard let box = record.bbox else { continue }
                let shown = PixelRect(x: Int(Double(box.x) * scale), y: Int(Double(box.y) * scale),
                                      width: max(2, Int(Double(box.width) * scale)), height: max(2, Int(Double(box.height) * scale)))
                boxes.append((shown, "\(index)" + (record.prediction.map { " \($0)" } ?? "")))
            }
            let cap = page.found > page.glyphs.count ? " (kept \(page.glyphs.count) of \(page.found))" : ""
            note = "\(page.glyphs.count) glyphs\(cap)"
        } catch {
            note = "\(error.code.rawValue): \(error.message)"
        }
        let text = records.isEmpty ? [] : PageText.read(records).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let height = Self.lineHeight + 4 + thumbnail.height + 6 + Self.lineHeight * max(1, text.count)
        var canvas = Canvas(width: max(thumbnail.width, 200), height: height)
        try canvas.text("\(input.name) — \(note)", x: 0, y: 0, style: .heading, maxWidth: canvas.width)
        let top = Self.lineHeight + 4
        canvas.draw(thumbnail, x: 0, y: top)
        for (box, label) in boxes {
            canvas.stroke(PixelRect(x: box.x, y: top + box.y, width: box.width, height: box.height), .highlight, thickness: 2)
            try canvas.text(label, x: box.x, y: max(top, top + box.y - 14), style: .small, color: .highlight)
        }
        for (index, line) in text.enumerated() {
            try canvas.text(line, x: 0, y: top + thumbnail.height + 6 + index * Self.lineHeight, style: .body, maxWidth: canvas.width)
        }
        return canvas
    }
}
