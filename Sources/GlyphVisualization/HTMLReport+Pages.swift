import Foundation
import GlyphImaging
import GlyphPipeline

extension HTMLReport {
    /// Pages of a run with a `segment` stage: each page's text read and, with the input
    /// directory, the page with its glyphs' boxes numbered in reading order (at most `limit`).
    func pagesSection(_ records: [ManifestRecord], limit: Int = 60) -> String {
        var pages: [[ManifestRecord]] = []
        for record in records {
            if let last = pages.last?.first, last.input == record.input, last.page == record.page {
                pages[pages.count - 1].append(record)
            } else {
                pages.append([record])
            }
        }
        guard records.contains(where: { $0.glyph != nil }) else { return "" }
        var html = "<h2>Pages</h2>\n<p class=\"muted\">\(pages.count) pages\(pages.count > limit ? ", the first \(limit) shown" : ""); boxes numbered in reading order, text read below each.</p>\n"
        for page in pages.prefix(limit) {
            guard let first = page.first else { continue }
            let glyphs = page.filter { $0.glyph != nil }
            let status = glyphs.isEmpty ? (first.error.map { $0.code.rawValue } ?? "no glyphs") : "\(glyphs.count) glyphs"
            let number = first.page.map { " page \($0 + 1) of \(first.pages ?? 0)" } ?? ""
            html += "<div class=\"page\"><p><code>\(Self.escape(first.input))</code>\(number) <span class=\"muted\">\(Self.escape(status))</span></p>"
            html += pageImage(input: first.input, page: first.page, glyphs: glyphs)
            html += "<pre>\(Self.escape(PageText.read(glyphs)))</pre></div>\n"
        }
        return html
    }

    /// The page (from the input directory, only where `run` would read it) with numbered boxes.
    func pageImage(input: String, page: Int?, glyphs: [ManifestRecord]) -> String {
        guard let inputDirectory, InputWalker.resolves(inputDirectory + "/" + input, inside: inputDirectory),
              let file = try? FileBytes(contentsOfFile: inputDirectory + "/" + input),
              let thumbnail = try? DisplayImage.load(file.copy, maxWidth: 640, maxHeight: 480, page: page),
              let width = glyphs.first?.width, width > 0 else { return "" }
        var canvas = Canvas(width: thumbnail.width, height: thumbnail.height)
        canvas.draw(thumbnail, x: 0, y: 0)
        let scale = Double(thumbnail.width) / Double(width)
        for glyph in glyphs {
            guard let box = glyph.bbox else { continue }
            let shown = PixelRect(x: Int(Double(box.x) * scale), y: Int(Double(box.y) * scale),
                                  width: max(2, Int(Double(box.width) * scale)), height: max(2, Int(Double(box.height) * scale)))
            canvas.stroke(shown, .highlight, thickness: 2)
            _ = try? canvas.text("\(glyph.glyph ?? 0)", x: shown.x, y: max(0, shown.y - 12), style: .small, color: .highlight)
        }
        guard let png = try? canvas.png() else { return "" }
        return "<img class=\"thumb\" alt=\"\" style=\"max-height:none\" src=\"\(Self.dataURI(png, type: "image/png"))\">"
    }
}
