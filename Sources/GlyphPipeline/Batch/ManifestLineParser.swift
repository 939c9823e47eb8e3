/// Reads one manifest line without Foundation's JSON parser (which costs more than the rest
/// of a 10-million-line merge): checks that the line is one valid JSON object and takes out
/// `input`, `status` and `output`. Accepts and rejects what `JSONSerialization` does for the
/// lines glyphprep writes and for torn or garbled ones (like it, it allows a trailing comma in
/// objects and arrays); a duplicated key keeps its last value. A lone `\udcXX` (XX ≥ 80) is a
/// file-name byte that is not UTF-8, read as `EscapedFileNameBytes.restore` + JSONSerialization
/// read it.
struct ManifestLineParser {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    /// The line's fields, or nil when it is not a JSON object with a string `input` and a
    /// `status` of `ok` or `error`, or not valid UTF-8.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> ManifestReader.Line? {
        var parser = ManifestLineParser(bytes: bytes)
        return parser.line()
    }

    private init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    private mutating func line() -> ManifestReader.Line? {
        var input: String?, status: String?, output: String?
        var counts: [String: Int] = [:]  // "glyph", "glyphs", "page", "pages"
        skipSpace()
        guard take(UInt8(ascii: "{")) else { return nil }
        skipSpace()
        if !take(UInt8(ascii: "}")) {
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                let wanted = key == "input" || key == "status" || key == "output"
                if wanted, peek == UInt8(ascii: "\"") {
                    guard let value = string() else { return nil }
                    switch key {
                    case "input": input = value
                    case "status": status = value
                    default: output = value
                    }
                } else if key == "glyph" || key == "glyphs" || key == "page" || key == "pages" {
                    let start = position
                    guard skipValue(depth: 0) else { return nil }
                    counts[key] = Int(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self))
                } else {
                    if key == "input" { input = nil } else if key == "status" { status = nil } else if key == "output" { output = nil }
                    guard skipValue(depth: 0) else { return nil }
                }
                skipSpace()
                if take(UInt8(ascii: "}")) { break }
                guard take(UInt8(ascii: ",")) else { return nil }
                skipSpace()
                if take(UInt8(ascii: "}")) { break }  // a trailing comma, as JSONSerialization allows
            }
        }
        skipSpace()
        guard position == bytes.count, let input, let status = status.flatMap(ManifestRecord.Status.init(rawValue:)),
              let text = String(validating: bytes, as: UTF8.self) else { return nil }
        return ManifestReader.Line(input: input, status: status, output: output, text: text, glyphs: counts["glyphs"],
                                   outputs: [output], glyph: counts["glyph"], page: counts["page"], pages: counts["pages"])
    }

    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        position += 1
        return true
    }

    private mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    /// A JSON string at the current position, unescaped; nil when malformed.
    private mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = position
        var plain = true
        while let byte = peek {
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
                position += 1
                return plain ? String(validating: raw, as: UTF8.self) : Self.unescape(raw)
            }
            if byte < 0x20 { return nil }
            if byte == UInt8(ascii: "\\") {
                plain = false
                position += 1
            }
            position += 1
        }
        return nil
    }

    /// The text of a string body with escapes; nil when an escape or the UTF-8 is invalid.
    private static func unescape(_ raw: UnsafeRawBufferPointer) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = 0
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= raw.count else { return nil }
            var value: UInt32 = 0
            for byte in raw[at..<(at + 4)] {
                guard let digit = Character(Unicode.Scalar(byte)).hexDigitValue else { return nil }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                index += 1
                continue
            }
            guard index + 1 < raw.count else { return nil }
            let escape = raw[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var code = hex4(index) else { return nil }
                index += 4
                if (0xDC80..<0xDD00).contains(code) {
                    // A lone `\udcXX`: the file-name byte XX that is not UTF-8 (FileSystemName).
                    code = 0x10FF00 + (code - 0xDC00)
                } else if (0xD800..<0xDC00).contains(code) {
                    guard index + 6 <= raw.count, raw[index] == UInt8(ascii: "\\"), raw[index + 1] == UInt8(ascii: "u"),
                          let low = hex4(index + 2), (0xDC00..<0xE000).contains(low) else { return nil }
                    index += 6
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { return nil }
                out.append(contentsOf: String(Character(scalar)).utf8)
            default: return nil
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    /// Steps over one JSON value (object, array, string, number, literal); false when malformed.
    private mutating func skipValue(depth: Int) -> Bool {
        guard depth < 256, let byte = peek else { return false }
        switch byte {
        case UInt8(ascii: "\""):
            return string() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            position += 1
            skipSpace()
            if take(close) { return true }
            while true {
                skipSpace()
                if close == UInt8(ascii: "}") {
                    guard string() != nil else { return false }
                    skipSpace()
                    guard take(UInt8(ascii: ":")) else { return false }
                    skipSpace()
                }
                guard skipValue(depth: depth + 1) else { return false }
                skipSpace()
                if take(close) { return true }
                guard take(UInt8(ascii: ",")) else { return false }
                skipSpace()
                if take(close) { return true }
            }
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[position + offset] != word.utf8Start[offset] { return false }
        position += count
        return true
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    private mutating func number() -> Bool {
        func digits() -> Int {
            let start = position
            while let byte = peek, (0x30...0x39).contains(byte) { position += 1 }
            return position - start
        }
        _ = take(UInt8(ascii: "-"))
        if take(UInt8(ascii: "0")) {
            if let byte = peek, (0x30...0x39).contains(byte) { return false }
        } else if digits() == 0 {
            return false
        }
        if take(UInt8(ascii: ".")), digits() == 0 { return false }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
            if digits() == 0 { return false }
        }
        return true
    }
}
