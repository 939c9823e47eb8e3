import Foundation
import GlyphImaging

/// Runs of a pipeline with a `segment` stage: one manifest line per glyph (docs/pages.md).
extension BatchRunner {
    /// Where glyph `index` of a page is written: the page's single-image output without
    /// `.png`, then `.glyphs/` and the index in at least three digits
    /// (`scans/page.png` → `scans/page.glyphs/003.png`).
    public static func glyphOutput(page pageOutput: String, glyph index: Int) -> String {
        let stem = pageOutput.hasSuffix(".png") ? String(pageOutput.dropLast(4)) : pageOutput
        return stem + ".glyphs/" + threeDigits(index) + ".png"
    }

    /// Whether an earlier run's lines for a page can stand: every glyph line present and ok,
    /// each output where this run would write it and intact.
    func isIntactPage(_ line: ManifestReader.Line, of file: InputFile, output: String) -> Bool {
        guard let count = line.glyphs, line.outputs.count == count, line.status == .ok else { return false }
        return line.outputs.enumerated().allSatisfy { index, relative in
            relative == Self.glyphOutput(page: file.outputRelativePath, glyph: index)
                && OutputCheck.isIntactPNG(at: output + "/" + (relative ?? ""), side: pipeline.targetSide)
        }
    }
}

/// `pages.jsonl`: one line per page of a run with a `segment` stage, in manifest order, with
/// the text read: `{"input":…,"glyphs":N,"lines":L,"text":"…"}` (`page`/`pages` after
/// `input` for a page of a multi-page file) (lines joined by `\n`,
/// words by a space, `?` for a glyph without a prediction), plus `warnings` (`glyph_cap`)
/// or, for a page without glyphs, `error` (its code). Built from the manifest, so resumed,
/// sharded and merged runs get it too.
public enum PageText {
    public static let fileName = "pages.jsonl"

    /// Writes `pages.jsonl` next to the run's `manifest.jsonl` (of a pipeline with `segment`).
    /// Streams the manifest (a page's lines are consecutive), so memory does not grow with the run.
    public static func write(directory: String) throws {
        guard let reader = LineReader(path: directory + "/" + BatchRunner.manifestName) else { return }
        let writer = try BufferedFileWriter(path: directory + "/" + fileName)
        var page: [ManifestRecord] = []
        while let text = reader.next({ String(decoding: $0, as: UTF8.self) }) {
            guard let record = try? ManifestRecord(jsonLine: text) else { continue }
            if let first = page.first, first.input != record.input || first.page != record.page {
                try writer.write(pageLine(input: first.input, records: page) + "\n")
                page = []
            }
            page.append(record)
        }
        if let input = page.first?.input { try writer.write(pageLine(input: input, records: page) + "\n") }
        try writer.commit()
    }

    /// One page's line.
    static func pageLine(input: String, records: [ManifestRecord]) -> String {
        var json = JSONObjectWriter()
        json.add("input", string: input)
        if let page = records.first?.page, let pages = records.first?.pages {
            json.add("page", raw: String(page))
            json.add("pages", raw: String(pages))
        }
        let glyphs = records.filter { $0.glyph != nil }.sorted { ($0.glyph ?? 0) < ($1.glyph ?? 0) }
        json.add("glyphs", raw: String(glyphs.count))
        json.add("lines", raw: String(Set(glyphs.compactMap(\.line)).count))
        json.add("text", string: read(glyphs))
        let caps = glyphs.first?.warnings?.filter { $0.code == StageWarning.glyphCap } ?? []
        if let cap = caps.first { json.add("warnings", raw: "[{\"code\":\(JSONObjectWriter.quote(cap.code)),\"message\":\(JSONObjectWriter.quote(cap.message))}]") }
        if glyphs.isEmpty, let error = records.first?.error { json.add("error", string: error.code.rawValue) }
        return json.text
    }

    /// The glyphs' predictions as text: lines joined by `\n`, words by a space.
    public static func read(_ glyphs: [ManifestRecord]) -> String {
        var text = ""
        var previous: ManifestRecord?
        for glyph in glyphs {
            if let previous {
                if previous.line != glyph.line { text += "\n" } else if previous.word != glyph.word { text += " " }
            }
            text += glyph.prediction ?? "?"
            previous = glyph
        }
        return text
    }
}
