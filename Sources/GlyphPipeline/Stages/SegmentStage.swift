import GlyphImaging

/// Splits a page into its letters. Placed after the page-level stages (… `normalize`,
/// `remove_ruled_lines`); every stage after it runs once per glyph, and a batch run writes one
/// manifest line per glyph (see docs/pages.md).
///
/// With `remove_frames`, long thin straight lines are erased first: the boxes and grids of
/// forms (a letter touching its box stays), ruling, underlines (see `FrameLines`).
///
/// Ink is pixels above `threshold` × 255 in 8-connected components; components smaller than
/// a quarter of `min_area`, or (with `ignore_border`) touching the image edge, are left out,
/// and groups still under `min_area` once merged. The letter
/// height is the median height of the letter-sized components. Components that belong to one
/// letter are merged: boxes overlapping across by half the narrower one and at most `join`
/// letter heights apart vertically (the dot of an i or j, a broken stroke), side by side with
/// a gap under 0.06 letter heights, or one mostly inside the other, as long as the letter
/// stays within 1.5 letter heights. Groups under a quarter of the letter height are specks;
/// groups over 3 letter heights tall or 8 wide are not letters (lines, frames, drawings).
/// At most `max_glyphs` are kept (the largest); the manifest then says how many were found.
///
/// Reading order: lines followed left to right by the centres' height (robust to a slight
/// tilt), lines top to bottom; words split where a gap is at least `word_gap` letter heights
/// and 1.8 × the typical letter gap. Letters that touch each other (cursive) stay one glyph;
/// one wider than 1.8 letter heights is flagged `wide_glyph` in the manifest.
///
/// Outside a batch run (a single image through `preview` or `classify`), the stage passes on
/// the first glyph in reading order.
public struct SegmentStage: PipelineStage {
    public static let name = "segment"
    public static let summary = "split a page into letters in reading order; later stages run once per glyph"
    public static let parameters: [StageParameter<Self>] = [
        .number("threshold", \.threshold, in: 0...1, unit: "fraction", "ink is brighter than threshold × 255"),
        .number("min_area", \.minArea, in: 1...Int(Int32.max), unit: "pixels", "glyphs smaller than this are specks (pieces down to a quarter of it may join a letter: a fine i dot)"),
        .number("max_glyphs", \.maxGlyphs, in: 1...10_000, "at most this many glyphs per page (the largest are kept; the manifest says so)"),
        .number("join", \.join, in: 0...1.5, unit: "letter heights", "largest vertical gap between parts of one letter (the dot of an i)"),
        .number("word_gap", \.wordGap, in: 0...10, unit: "letter heights", "smallest gap between words"),
        .number("margin", \.margin, in: 0...2, unit: "letter heights", "border kept around each glyph's box when it is cut out"),
        .flag("ignore_border", \.ignoreBorder, "leave out ink touching the image edge (desk, sheet edges, shadows)"),
        .flag("remove_frames", \.removeFrames, "erase long thin straight lines first: form boxes and grids, ruling, underlines (a letter touching them stays)"),
    ]

    public var threshold: Double = 0.35
    public var minArea: Int = 16
    public var maxGlyphs: Int = 200
    public var join: Double = 0.6
    public var wordGap: Double = 0.8
    public var margin: Double = 0.15
    public var ignoreBorder = true
    public var removeFrames = true

    public init() {}

    public var label: String { "t \(threshold.compact), ≤ \(maxGlyphs) glyphs" }

    /// The page's glyphs in reading order.
    public func segment(_ image: Raster) -> PageSegmentation {
        PageSegmenter(level: Float(threshold * 255), minArea: minArea, maxGlyphs: maxGlyphs, join: join,
                      wordGap: wordGap, ignoreBorder: ignoreBorder, removeFrames: removeFrames).segment(image)
    }

    /// The page's glyphs in reading order, each cut out with its own context (source mapping,
    /// `inkBox` set to the glyph's box in source pixels).
    public func glyphs(of image: Raster, context: StageContext) -> (segmentation: PageSegmentation, images: [(Raster, StageContext)]) {
        let segmentation = segment(image)
        let border = max(2, Int((margin * segmentation.letterHeight).rounded()))
        let images = segmentation.glyphs.indices.map { index -> (Raster, StageContext) in
            let (raster, rect) = segmentation.crop(glyph: index, margin: border)
            var glyphContext = context
            glyphContext.inkBox = context.sourceRect(for: segmentation.glyphs[index].box)
            glyphContext.crop(to: rect)
            return (raster, glyphContext)
        }
        return (segmentation, images)
    }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        let (_, images) = glyphs(of: image, context: context)
        guard let (first, firstContext) = images.first else {
            throw StageFailure(.noInk, "no glyph found: no ink above level \(Int(threshold * 255)) in letter-sized groups (blank page?)")
        }
        context = firstContext
        return first
    }
}
