import Foundation
import GlyphImaging
import GlyphModel
import GlyphPipeline

/// Renders pages and measures a page pipeline on them (`glyphprep page-eval`): glyph recall
/// and precision at IoU ≥ 0.5, reading order, accuracy of the found glyphs, the same letters
/// alone (`alone`) through a single-letter pipeline, and whether that pipeline answers the
/// whole page with a prediction.
public struct PageBench: Sendable {
    public var renderer: PageRenderer
    public var page: LoadedPipeline
    public var single: LoadedPipeline?
    public var seed: UInt64

    public init(renderer: PageRenderer, page: LoadedPipeline, single: LoadedPipeline?, seed: UInt64) {
        self.renderer = renderer
        self.page = page
        self.single = single
        self.seed = seed
    }

    /// Page `index`'s kind: layouts in turn, scans then photos.
    public static func kind(of index: Int) -> (layout: PageLayout, photo: Bool) {
        (PageLayout.allCases[index % PageLayout.allCases.count], (index / PageLayout.allCases.count) % 2 == 1)
    }

    /// One page's outcome.
    public struct Outcome: Sendable {
        public var name: String
        public var kind: String
        public var score: PageScore
        public var singleAnswered: Bool?
        public var singleLetters = 0, singleCorrect = 0
        public var text: String
        public var trueText: String
        /// The page's file bytes (PNG for scans, JPEG for photos) and the true boxes.
        public var bytes: [UInt8]
        public var truth: [PageTruth]
    }

    /// Renders page `index` and measures it.
    public func evaluate(index: Int) throws -> Outcome {
        let (layout, photo) = Self.kind(of: index)
        let rendered = renderer.render(layout: layout, photo: photo, seed: seed, stream: UInt64(index))
        let bytes = try ImageEncoder.encode(rendered.raster, as: photo ? .jpeg : .png, quality: 88)
        let name = String(format: "page_%04d.", index) + (photo ? "jpg" : "png")
        var outcome = Outcome(name: name, kind: "\(layout.rawValue)-\(photo ? "photo" : "scan")", score: PageScore(),
                              text: "", trueText: rendered.text, bytes: bytes, truth: rendered.glyphs)
        let classifier = page.classifier
        let records = (try? page.pipeline.processPage(FileBytes(bytes)))?
            .records(input: name, classify: classifier.map { classifier in { try classifier.classify($0) } }) ?? []
        outcome.text = PageText.read(records)
        outcome.score = PageEvaluation.score(truth: rendered.glyphs, found: records.map { ($0.bbox ?? PixelRect(x: 0, y: 0, width: 0, height: 0), $0.prediction) },
                                             text: outcome.text, trueText: rendered.text)
        if let single {
            measureSingle(single, rendered: rendered, bytes: bytes, outcome: &outcome)
        }
        return outcome
    }

    /// The letter in `box` as a photo of it alone: the box grown by its larger side on every
    /// side (clipped to the page), everything but the box (+ 3 px) painted the paper's median.
    static func alone(_ box: PixelRect, in page: Raster) -> Raster {
        let grow = max(box.width, box.height)
        let x0 = max(0, box.x - grow), y0 = max(0, box.y - grow)
        let x1 = min(page.width, box.x + box.width + grow), y1 = min(page.height, box.y + box.height + grow)
        var crop = page.cropped(to: PixelRect(x: x0, y: y0, width: max(1, x1 - x0), height: max(1, y1 - y0)))
        func inside(_ x: Int, _ y: Int) -> Bool {
            x + x0 >= box.x - 3 && x + x0 < box.x + box.width + 3 && y + y0 >= box.y - 3 && y + y0 < box.y + box.height + 3
        }
        var paper: [Float] = []
        for y in 0..<crop.height { for x in 0..<crop.width where !inside(x, y) { paper.append(crop[x, y]) } }
        paper.sort()
        let level = paper.isEmpty ? 255 : paper[paper.count / 2]
        for y in 0..<crop.height { for x in 0..<crop.width where !inside(x, y) { crop[x, y] = level } }
        return crop
    }

    /// The single-letter pipeline on the whole page, and on each true letter cut out of it.
    private func measureSingle(_ single: LoadedPipeline, rendered: RenderedPage, bytes: [UInt8], outcome: inout Outcome) {
        if let (image, context) = try? single.pipeline.process(FileBytes(bytes)) {
            let classified = single.classifier == nil || ((try? single.classifier?.classify([image])) ?? nil) != nil
            outcome.singleAnswered = classified && (context.separateLetters ?? 1) <= 1
        } else {
            outcome.singleAnswered = false
        }
        guard let classifier = single.classifier else { return }
        let raster = rendered.raster
        var images: [Raster] = [], labels: [Character] = []
        for letter in rendered.glyphs {
            guard let png = try? ImageEncoder.encode(Self.alone(letter.box, in: raster)),
                  let image = try? single.pipeline.process(FileBytes(png)).image else { continue }
            images.append(image)
            labels.append(letter.label)
        }
        outcome.singleLetters = rendered.glyphs.count
        guard let guesses = try? classifier.classify(images) else { return }
        outcome.singleCorrect = zip(guesses, labels).filter { $0.0.first?.label.lowercased() == String($0.1).lowercased() }.count
    }
}
