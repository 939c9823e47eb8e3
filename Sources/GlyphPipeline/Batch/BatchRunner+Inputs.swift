import GlyphImaging

/// One input file through the pipeline: a single image, a page of glyphs (`segment`), and
/// multi-page TIFFs and PDFs, page by page (docs/pages.md).
extension BatchRunner {
    /// Where page `page` of a multi-page file is written: the file's single-image output
    /// without `.png`, then `.pages/` and the 0-based page in at least three digits
    /// (`scans/form.pdf` → `scans/form.pages/002.png`; glyphs: `scans/form.pages/002.glyphs/000.png`).
    public static func pageOutput(file fileOutput: String, page: Int) -> String {
        pagesFolder(file: fileOutput) + threeDigits(page) + ".png"
    }

    /// The folder of a multi-page file's outputs: `scans/form.pdf` → `scans/form.pages/`.
    static func pagesFolder(file fileOutput: String) -> String {
        (fileOutput.hasSuffix(".png") ? String(fileOutput.dropLast(4)) : fileOutput) + ".pages/"
    }

    static func threeDigits(_ number: Int) -> String {
        let text = String(number)
        return String(repeating: "0", count: max(0, 3 - text.count)) + text
    }

    /// The file's records with their final images: one per image, per glyph with a `segment`
    /// stage, for every page of a multi-page TIFF or PDF (each line then has `page` and
    /// `pages`), or one failure.
    func processInput(_ file: InputFile) -> [(ManifestRecord, Raster?)] {
        var failure = ManifestRecord(input: file.relativePath, status: .error)
        if let refusal = file.refusal {
            failure.error = refusal
            return [(failure, nil)]
        }
        let bytes: FileBytes
        do throws(StageFailure) {
            bytes = try FileBytes.read(file.path)
        } catch {
            failure.error = error
            return [(failure, nil)]
        }
        let pages = ImageDecoder.pageCount(bytes)
        guard pages > 1 else { return process(bytes, input: file.relativePath, output: file.outputRelativePath, with: pipeline) }
        return (0..<pages).flatMap { page in
            let output = Self.pageOutput(file: file.outputRelativePath, page: page)
            return process(bytes, input: file.relativePath, output: output, with: pipeline.reading(page: page)).map { record, image in
                var numbered = record
                numbered.page = page
                numbered.pages = pages
                return (numbered, image)
            }
        }
    }

    /// One image (a file, or one page of it) through `pipeline`, whose output is `output`.
    private func process(_ bytes: FileBytes, input: String, output: String, with pipeline: Pipeline) -> [(ManifestRecord, Raster?)] {
        var record = ManifestRecord(input: input, status: .error)
        guard pipeline.isSegmented else {
            do throws(StageFailure) {
                let (image, context) = try pipeline.process(bytes)
                record.status = .ok
                record.output = output
                record.width = context.sourceWidth
                record.height = context.sourceHeight
                record.bbox = context.inkBox
                if (context.separateLetters ?? 1) > 1 { record.reason = StageWarning.severalGlyphs }
                return [(record, image)]
            } catch {
                record.error = error
                return [(record, nil)]
            }
        }
        do throws(StageFailure) {
            return glyphRecords(try pipeline.processPage(bytes), input: input, output: output)
        } catch {
            record.error = error
            return [(record, nil)]
        }
    }

    /// A segmented page's records: one per glyph in reading order, or one `no_ink` failure.
    private func glyphRecords(_ page: ProcessedPage, input: String, output: String) -> [(ManifestRecord, Raster?)] {
        guard !page.glyphs.isEmpty else {
            let failure = StageFailure(.noInk, "no glyph found: no letter-sized ink on the page (blank page?)")
            return [(ManifestRecord(input: input, status: .error, error: failure), nil)]
        }
        var pageWarnings: [StageWarning] = []
        if page.found > page.glyphs.count {
            pageWarnings.append(StageWarning(StageWarning.glyphCap,
                                             "kept the \(page.glyphs.count) largest of \(page.found) glyphs found (segment max_glyphs)"))
        }
        return page.glyphs.enumerated().map { index, glyph in
            var record = ManifestRecord(input: input, status: .ok, width: page.context.sourceWidth,
                                        height: page.context.sourceHeight, bbox: glyph.sourceBox)
            record.glyph = index
            record.glyphs = page.glyphs.count
            record.line = glyph.glyph.line
            record.word = glyph.glyph.word
            var warnings = pageWarnings
            if glyph.glyph.wide {
                warnings.append(StageWarning(StageWarning.wideGlyph, "wider than 1.8 letter heights: perhaps several touching letters"))
            }
            record.warnings = warnings.isEmpty ? nil : warnings
            switch glyph.result {
            case .success(let (image, _)):
                record.output = Self.glyphOutput(page: output, glyph: index)
                return (record, image)
            case .failure(let error):
                record.status = .error
                record.error = error
                return (record, nil)
            }
        }
    }

    /// Whether an earlier run's lines for a multi-page file can stand: each output where this
    /// run would write it (the page's image, or its glyphs' with `segment`) and intact, and
    /// every page there; a file with failed pages only when failures are not retried.
    func isIntactDocument(_ line: ManifestReader.Line, of file: InputFile, output: String) -> Bool {
        guard let pages = line.pages, pages > 1 else { return false }
        if line.status == .error {
            return !options.retryFailed
                && line.outputs.allSatisfy { $0.map { intactOutput($0, of: file, pages: pages, in: output) != nil } ?? true }
        }
        var seen = Set<Int>()
        for relative in line.outputs {
            guard let relative, let page = intactOutput(relative, of: file, pages: pages, in: output) else { return false }
            seen.insert(page)
        }
        return seen.count == pages
    }

    /// The page whose output `relative` is, when it is one this run would write (read off the
    /// path, `NAME.pages/NNN.png` or `NAME.pages/NNN.glyphs/…`) and intact.
    private func intactOutput(_ relative: String, of file: InputFile, pages: Int, in output: String) -> Int? {
        let folder = Self.pagesFolder(file: file.outputRelativePath)
        guard relative.hasPrefix(folder) else { return nil }
        let rest = relative.dropFirst(folder.count)
        guard let page = Int(rest.prefix { $0.isASCII && $0.isNumber }), page < pages else { return nil }
        let image = Self.pageOutput(file: file.outputRelativePath, page: page)
        let expected = pipeline.isSegmented ? relative.hasPrefix(String(image.dropLast(4)) + ".glyphs/") : relative == image
        let side = pipeline.isSegmented ? pipeline.targetSide : pipeline.fixedSide
        guard expected, OutputCheck.isIntactPNG(at: output + "/" + relative, side: side) else { return nil }
        return page
    }
}
