import Foundation

/// Reads Hershey vector fonts (`.jhf`, Debian `hershey-fonts-data`) as stroke samples, so a
/// cursive or script font can stand in for one more writer in training.
///
/// Each glyph is `#####` (id), `NNN` (vertex count, including the left/right bearing pair),
/// then that many coordinate pairs, each a character pair offset from `R`; ` R` lifts the
/// pen. Long glyphs wrap onto the next lines. Glyphs are in ASCII order from the space.
public enum HersheyFont {
    /// The letters a–z and A–Z (or the digits, for `.digits`) of `url`, with `writer` as their writer id.
    public static func letters(from url: URL, writer: String, classes: TrainingClasses = .letters) throws -> [StrokeSample] {
        let text = try String(contentsOf: url, encoding: .ascii)
        let glyphs = try parse(text, source: url.lastPathComponent)
        var samples: [StrokeSample] = []
        for (index, strokes) in glyphs.enumerated() {
            guard let scalar = UnicodeScalar(32 + index) else { continue }
            let character = Character(scalar)
            guard classes.drawsFromFont(character), !strokes.isEmpty else { continue }
            samples.append(StrokeSample(writer: writer, character: character, strokes: strokes, line: index + 1))
        }
        return samples
    }

    /// Every glyph's strokes, in file order.
    static func parse(_ text: String, source: String) throws -> [[[StrokeSample.Point]]] {
        let lines = text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).map { Array($0.utf8) }
        var glyphs: [[[StrokeSample.Point]]] = []
        var lineIndex = 0
        while lineIndex < lines.count {
            var record = lines[lineIndex]
            lineIndex += 1
            guard record.count >= 8, let count = Int(String(decoding: record[5..<8], as: UTF8.self).trimmingCharacters(in: .whitespaces)),
                  count >= 1 else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "\(source):\(lineIndex): not a Hershey glyph record"])
            }
            let needed = 8 + 2 * count
            while record.count < needed && lineIndex < lines.count {
                record += lines[lineIndex]
                lineIndex += 1
            }
            guard record.count >= needed else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "\(source):\(lineIndex): glyph cut short"])
            }
            var strokes: [[StrokeSample.Point]] = []
            var current: [StrokeSample.Point] = []
            let R = Int(UInt8(ascii: "R"))
            for pair in 1..<count {
                let a = record[8 + 2 * pair], b = record[9 + 2 * pair]
                if a == UInt8(ascii: " ") && b == UInt8(ascii: "R") {
                    if !current.isEmpty { strokes.append(current) }
                    current = []
                } else {
                    current.append(StrokeSample.Point(x: Double(Int(a) - R), y: Double(Int(b) - R)))
                }
            }
            if !current.isEmpty { strokes.append(current) }
            glyphs.append(strokes)
        }
        return glyphs
    }
}
