import CVips
import CVipsShims

/// How a line of text is set: size in pixels and weight.
public struct TextStyle: Sendable, Hashable {
    public var size: Int
    public var bold: Bool

    public init(size: Int, bold: Bool = false) {
        self.size = size
        self.bold = bold
    }

    static let title = TextStyle(size: 14, bold: true)
    static let heading = TextStyle(size: 13, bold: true)
    static let body = TextStyle(size: 12)
    static let small = TextStyle(size: 11)

    /// Height of one line of this style, with its descenders.
    var lineHeight: Int { size + size / 3 + 2 }

    var font: String { "DejaVu Sans\(bold ? " Bold" : "") \(size)" }
}

/// A coverage mask of rendered text: 255 where the glyphs are fully inked.
struct TextMask: Sendable {
    var width: Int
    var height: Int
    var coverage: [UInt8]

    static let empty = TextMask(width: 0, height: 0, coverage: [])
}

/// Sets text with libvips' `vips_text` (Pango), at 72 dpi so a style's size is in pixels.
enum TextRenderer {
    static func render(_ text: String, style: TextStyle, maxWidth: Int? = nil) throws(VipsError) -> TextMask {
        let mask = try renderLine(text, style: style)
        guard let maxWidth, mask.width > maxWidth, text.count > 1 else { return mask }
        var characters = Array(text)
        var shortened = mask
        while shortened.width > maxWidth && characters.count > 1 {
            let excess = Double(shortened.width - maxWidth) / Double(max(1, shortened.width))
            let drop = max(1, Int((Double(characters.count) * excess).rounded(.up)))
            characters.removeFirst(min(drop, characters.count - 1))
            shortened = try renderLine("…" + String(characters), style: style)
        }
        return shortened
    }

    /// vips_text crops to the inked box, so "ace" would come out shorter than "Agy" and sit
    /// higher. A full-height strut ("│ ") set before the text fixes the box to the line's
    /// ascent and descent; its columns are cut off afterwards.
    private static func renderLine(_ text: String, style: TextStyle) throws(VipsError) -> TextMask {
        let line = text.replacingOccurrences(of: "\n", with: " ")
        guard !line.allSatisfy(\.isWhitespace) else { return .empty }
        let image = try VipsImage.make("vips_text") { out in gpv_text(out, "│ " + escape(line), style.font, 0, 72) }
        let bytes = try image.pixelBytes()
        let width = image.width, height = image.height
        guard image.bands == 1, bytes.count == width * height else {
            throw VipsError(operation: "vips_text", message: "unexpected text image layout")
        }
        func inked(_ column: Int) -> Bool { (0..<height).contains { bytes[$0 * width + column] > 0 } }
        var column = 0
        while column < width && inked(column) { column += 1 }
        while column < width && !inked(column) { column += 1 }
        guard column < width else { return .empty }
        var coverage = [UInt8]()
        coverage.reserveCapacity((width - column) * height)
        for row in 0..<height { coverage.append(contentsOf: bytes[(row * width + column)..<((row + 1) * width)]) }
        return TextMask(width: width - column, height: height, coverage: coverage)
    }

    /// Escapes Pango markup characters (Pango reads XML entities, as HTML does).
    static func escape(_ text: String) -> String { HTMLReport.escape(text) }
}
