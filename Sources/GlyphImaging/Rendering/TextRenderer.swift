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

    /// Height of one line of this style, with its descenders.
    public var lineHeight: Int { size + size / 3 + 2 }

    public var font: String { "DejaVu Sans\(bold ? " Bold" : "") \(size)" }
}

/// A coverage mask of rendered text: 255 where the glyphs are fully inked.
public struct TextMask: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var coverage: [UInt8]

    public init(width: Int, height: Int, coverage: [UInt8]) {
        self.width = width
        self.height = height
        self.coverage = coverage
    }

    public static let empty = TextMask(width: 0, height: 0, coverage: [])
}

/// Sets text with libvips' `vips_text` (Pango), at 72 dpi so a style's size is in pixels.
public enum TextRenderer {
    public static func render(_ text: String, style: TextStyle, maxWidth: Int? = nil) throws(VipsError) -> TextMask {
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

    /// Draws one character of the font file at `fontFile` (family `family`, `size` pixels) as
    /// white on black, cropped to its ink.
    public static func glyph(_ character: Character, family: String, fontFile: String, size: Int) throws(VipsError) -> TextMask {
        let text = escape(String(character))
        let image = try VipsImage.make("vips_text") { out in
            gpv_text_fontfile(out, text, "\(family) \(size)px", fontFile, 72)
        }
        let bytes = try image.pixelBytes()
        guard image.bands == 1, bytes.count == image.width * image.height else {
            throw VipsError(operation: "vips_text", message: "unexpected image layout for \"\(character)\"")
        }
        return TextMask(width: image.width, height: image.height, coverage: bytes)
    }

    /// Escapes the characters that Pango markup (and HTML) read as markup.
    public static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
