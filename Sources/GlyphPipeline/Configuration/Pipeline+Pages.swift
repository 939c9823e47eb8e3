import GlyphImaging

/// One glyph of a processed page: where it is, and its image after the per-glyph stages (or
/// why a stage failed on it).
public struct PageGlyph: Sendable {
    public var glyph: SegmentedGlyph
    /// The glyph's ink box in source pixels.
    public var sourceBox: PixelRect
    public var result: Result<(image: Raster, context: StageContext), StageFailure>
}

/// A page through a pipeline with a `segment` stage.
public struct ProcessedPage: Sendable {
    /// The page's context when it was segmented (source size, decode shrink).
    public var context: StageContext
    /// The glyphs in reading order.
    public var glyphs: [PageGlyph]
    /// Letter-sized groups found before `max_glyphs` was applied.
    public var found: Int
    /// The page raster the glyphs were found in, when asked for.
    public var page: Raster?
}

extension Pipeline {
    /// The position of the `segment` stage, when the pipeline has one.
    public var segmentIndex: Int? { stages.firstIndex { $0 is SegmentStage } }

    /// Whether every stage after `segment` runs once per glyph.
    public var isSegmented: Bool { segmentIndex != nil }

    /// Runs the page stages, splits the page into glyphs and runs the later stages on each.
    ///
    /// When the decode shrank the page (`shrink: auto`) and the median glyph then comes out
    /// smaller than twice the resize target, the page is decoded again at the finest scale
    /// that gets it there, as `process` does for a single letter.
    public func processPage(_ file: FileBytes, keepPage: Bool = false) throws(StageFailure) -> ProcessedPage {
        let first = try runPage(file, plan: decodePlan, keepPage: keepPage)
        var probe = first.context
        let sides = first.glyphs.map { max($0.sourceBox.width, $0.sourceBox.height) }.sorted()
        if !sides.isEmpty {
            let median = sides[sides.count / 2]
            probe.inkBox = PixelRect(x: 0, y: 0, width: median, height: median)
            if let finer = finerDecode(after: probe), let refined = try? runPage(file, plan: finer, keepPage: keepPage) {
                return refined
            }
        }
        return first
    }

    private func runPage(_ file: FileBytes, plan: DecodePlan, keepPage: Bool) throws(StageFailure) -> ProcessedPage {
        guard let split = segmentIndex, let segment = stages[split] as? SegmentStage else {
            throw StageFailure(.stageError, "the pipeline has no segment stage")
        }
        var (image, context) = try DecodeStage.decode(file, plan: plan)
        for stage in stages[..<split] {
            image = try stage.apply(image, context: &context)
        }
        let (segmentation, images) = segment.glyphs(of: image, context: context)
        let later = stages[(split + 1)...]
        let glyphs = zip(segmentation.glyphs, images).map { glyph, start -> PageGlyph in
            var (raster, glyphContext) = start
            let box = glyphContext.inkBox ?? PixelRect(x: 0, y: 0, width: 0, height: 0)
            do throws(StageFailure) {
                for stage in later { raster = try stage.apply(raster, context: &glyphContext) }
                return PageGlyph(glyph: glyph, sourceBox: box, result: .success((raster, glyphContext)))
            } catch {
                return PageGlyph(glyph: glyph, sourceBox: box, result: .failure(error))
            }
        }
        return ProcessedPage(context: context, glyphs: glyphs, found: segmentation.found, page: keepPage ? image : nil)
    }
}

extension ProcessedPage {
    /// One ok record per glyph in reading order (`glyph`, `line`, `word`, `bbox`), with the
    /// best guess of `classify` (nil: no predictions) for each glyph that normalized.
    public func records(input: String, classify: (([Raster]) throws -> [[ManifestRecord.Guess]])?) -> [ManifestRecord] {
        let images = glyphs.compactMap { try? $0.result.get().image }
        let guesses = classify.flatMap { try? $0(images) }
        var next = 0
        return glyphs.enumerated().map { index, glyph in
            var record = ManifestRecord(input: input, status: .ok, bbox: glyph.sourceBox)
            record.glyph = index
            record.line = glyph.glyph.line
            record.word = glyph.glyph.word
            if (try? glyph.result.get()) != nil {
                record.prediction = guesses.flatMap { next < $0.count ? $0[next].first?.label : nil }
                next += 1
            }
            return record
        }
    }
}
