import Foundation
import GlyphImaging

/// Reads the letters of a TrueType/OpenType font (e.g. a handwriting font from Debian's
/// `fonts-dkg-handwriting`) as stroke samples: each glyph is drawn by libvips (Pango), thinned
/// to its centre line and traced into strokes, so the renderer can write it with any pen,
/// slant and paper, like one more writer.
public enum OutlineFont {
    /// The letters a–z and A–Z of the font file at `url`, with `writer` as their writer id, and
    /// the family name read from the file. `size` is the font size in pixels the glyphs are
    /// drawn at before thinning. Were the family name wrong, Pango would quietly draw its
    /// default font, so callers should show it to the user.
    /// `classes` `.digits` draws the digits 0–9 instead; `characters` any other set.
    public static func letters(from url: URL, writer: String, size: Int = 96, classes: TrainingClasses = .letters,
                               characters: [Character]? = nil) throws -> (family: String, samples: [StrokeSample]) {
        let data = try Data(contentsOf: url)
        guard let family = familyName(ofFont: [UInt8](data)) else {
            throw SynthesisError("\(url.path): not a TrueType/OpenType font with a family name")
        }
        let characters = characters ?? classes.fontCharacters
        var masks: [GlyphMask] = []
        for character in characters {
            masks.append(try draw(character, family: family, file: url.path, size: size))
        }
        var samples: [StrokeSample] = []
        for (index, (character, mask)) in zip(characters, masks).enumerated() {
            let strokes = mask.strokes()
            guard !strokes.isEmpty else { continue }
            samples.append(StrokeSample(writer: writer, character: character, strokes: strokes, line: index + 1))
        }
        return (family, samples)
    }

    /// A glyph drawn as 8-bit coverage.
    struct GlyphMask: Equatable {
        var width: Int
        var height: Int
        var coverage: [UInt8]

        /// The centre lines of the ink (coverage ≥ 50 %) as strokes in pixel coordinates.
        func strokes() -> [[StrokeSample.Point]] {
            // A one-pixel frame of paper so thinning never meets the image edge.
            let w = width + 2, h = height + 2
            var ink = [Bool](repeating: false, count: w * h)
            var area = 0
            for y in 0..<height {
                for x in 0..<width where coverage[y * width + x] >= 128 {
                    ink[(y + 1) * w + x + 1] = true
                    area += 1
                }
            }
            Skeleton.thin(&ink, width: w, height: h)
            let length = ink.reduce(0) { $0 + ($1 ? 1 : 0) }
            guard length > 0 else { return [] }
            let strokeWidth = Double(area) / Double(length)
            let traced = Skeleton.trace(ink, width: w, height: h, minimumSpur: Int(strokeWidth.rounded()))
            return traced.map { $0.map { StrokeSample.Point(x: Double($0.x - 1), y: Double($0.y - 1)) } }
        }
    }

    /// Draws one character (white on black, cropped to its ink).
    static func draw(_ character: Character, family: String, file: String, size: Int) throws -> GlyphMask {
        let mask = try TextRenderer.glyph(character, family: family, fontFile: file, size: size)
        return GlyphMask(width: mask.width, height: mask.height, coverage: mask.coverage)
    }

    /// The family name in a TrueType/OpenType file's `name` table (typographic family, ID 16,
    /// else family, ID 1; Windows Unicode or Macintosh Roman records), nil if there is none.
    static func familyName(ofFont bytes: [UInt8]) -> String? {
        func u16(_ at: Int) -> Int? { at >= 0 && at + 2 <= bytes.count ? Int(bytes[at]) << 8 | Int(bytes[at + 1]) : nil }
        func u32(_ at: Int) -> Int? {
            guard let high = u16(at), let low = u16(at + 2) else { return nil }
            return high << 16 | low
        }
        guard let tables = u16(4) else { return nil }
        var nameOffset: Int?
        for t in 0..<tables {
            let record = 12 + 16 * t
            guard record + 16 <= bytes.count else { return nil }
            if bytes[record..<(record + 4)].elementsEqual("name".utf8) { nameOffset = u32(record + 8) }
        }
        guard let table = nameOffset, let count = u16(table + 2), let storage = u16(table + 4).map({ table + $0 }) else { return nil }
        var best: (rank: Int, name: String)?
        for r in 0..<count {
            let record = table + 6 + 12 * r
            guard let platform = u16(record), let encoding = u16(record + 2), let nameID = u16(record + 6),
                  let length = u16(record + 8), let offset = u16(record + 10), nameID == 1 || nameID == 16 else { continue }
            let start = storage + offset
            guard start + length <= bytes.count else { continue }
            let raw = bytes[start..<(start + length)]
            let name: String?
            switch (platform, encoding) {
            case (3, 0), (3, 1), (0, _):
                var units: [UInt16] = []
                var i = raw.startIndex
                while i + 1 < raw.endIndex { units.append(UInt16(raw[i]) << 8 | UInt16(raw[i + 1])); i += 2 }
                name = String(decoding: units, as: UTF16.self)
            case (1, 0):
                name = raw.allSatisfy { $0 < 0x80 } ? String(decoding: raw, as: UTF8.self) : nil
            default:
                name = nil
            }
            guard let name, !name.isEmpty else { continue }
            let rank = (nameID == 16 ? 0 : 2) + (platform == 3 ? 0 : 1)
            if best.map({ rank < $0.rank }) ?? true { best = (rank, name) }
        }
        return best?.name
    }
}
