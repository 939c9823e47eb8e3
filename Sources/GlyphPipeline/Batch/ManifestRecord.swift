import Foundation
import GlyphImaging

/// One line of `manifest.jsonl`: what happened to one input file.
public struct ManifestRecord: Sendable, Equatable {
    /// The outcome of a file.
    public enum Status: String, Sendable {
        case ok, error
    }

    /// One of the model's best guesses.
    public struct Guess: Sendable, Equatable {
        public var label: String
        public var probability: Float

        public init(label: String, probability: Float) {
            self.label = label
            self.probability = probability
        }
    }

    public var input: String
    public var output: String?
    public var status: Status
    public var error: StageFailure?
    public var width: Int?
    public var height: Int?
    /// The ink's bounding box in source pixels.
    public var bbox: PixelRect?
    public var prediction: String?
    /// Why a classified image has no prediction: `several_glyphs` (an image of several
    /// letters through a single-letter pipeline), `low_confidence`, or the rejection class
    /// such as `not_a_digit`.
    public var reason: String?
    public var top: [Guess]?
    /// Multi-page TIFFs and PDFs: the 0-based page this line is about, and the file's number
    /// of pages (both absent for a file of one page).
    public var page: Int?
    public var pages: Int?
    /// Pages (a pipeline with `segment`): the glyph's 0-based reading-order index, the page's
    /// number of glyphs, and the glyph's 0-based line and word within the line.
    public var glyph: Int?
    public var glyphs: Int?
    public var line: Int?
    public var word: Int?
    /// Remarks that do not fail the line (`glyph_cap`, `wide_glyph`), code and message.
    public var warnings: [StageWarning]?

    public init(input: String, output: String? = nil, status: Status, error: StageFailure? = nil,
                width: Int? = nil, height: Int? = nil, bbox: PixelRect? = nil) {
        self.input = input
        self.output = output
        self.status = status
        self.error = error
        self.width = width
        self.height = height
        self.bbox = bbox
    }

    /// The record as one line of JSON (no trailing newline), keys in a fixed order.
    public var jsonLine: String {
        var json = JSONObjectWriter()
        json.add("input", string: input)
        if let page, let pages {
            json.add("page", raw: String(page))
            json.add("pages", raw: String(pages))
        }
        if let glyph, let glyphs, let line, let word {
            json.add("glyph", raw: String(glyph))
            json.add("glyphs", raw: String(glyphs))
            json.add("line", raw: String(line))
            json.add("word", raw: String(word))
        }
        json.add("status", string: status.rawValue)
        if let output { json.add("output", string: output) }
        if let width { json.add("width", raw: String(width)) }
        if let height { json.add("height", raw: String(height)) }
        if let bbox {
            json.add("bbox", raw: "{\"x\":\(bbox.x),\"y\":\(bbox.y),\"width\":\(bbox.width),\"height\":\(bbox.height)}")
        }
        if let reason {
            if top != nil { json.add("prediction", raw: "null") }
            json.add("reason", string: reason)
            if let hint = StageWarning.hints[reason] { json.add("hint", string: hint) }
        } else if let prediction {
            json.add("prediction", string: prediction)
        } else if top != nil {
            json.add("prediction", raw: "null")
        }
        if let top {
            let items = top.map { "{\"label\":\(JSONObjectWriter.quote($0.label)),\"p\":\(JSONObjectWriter.number($0.probability))}" }
            json.add("top", raw: "[" + items.joined(separator: ",") + "]")
        }
        if let warnings, !warnings.isEmpty {
            let items = warnings.map { "{\"code\":\(JSONObjectWriter.quote($0.code)),\"message\":\(JSONObjectWriter.quote($0.message))}" }
            json.add("warnings", raw: "[" + items.joined(separator: ",") + "]")
        }
        if let error {
            json.add("error", raw: "{\"code\":\(JSONObjectWriter.quote(error.code.rawValue)),\"message\":\(JSONObjectWriter.quote(error.message))}")
        }
        return json.text
    }
}

/// A remark on a manifest line that does not fail it: a stable code and a message.
public struct StageWarning: Sendable, Equatable {
    public var code: String
    public var message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A page held more letter-sized groups than `segment`'s `max_glyphs`.
    public static let glyphCap = "glyph_cap"
    /// A glyph clearly wider than a letter: perhaps several touching letters.
    public static let wideGlyph = "wide_glyph"
    /// A single-letter pipeline saw several letters side by side in the image.
    public static let severalGlyphs = "several_glyphs"

    /// What to do about a `reason`.
    static let hints = [severalGlyphs: "the image holds several letters; run pipelines/page.yaml to split it into one line per letter"]
}

/// Builds a JSON object with keys in insertion order.
struct JSONObjectWriter {
    private var fields: [String] = []

    mutating func add(_ key: String, string: String) { fields.append("\(Self.quote(key)):\(Self.quote(string))") }
    mutating func add(_ key: String, raw: String) { fields.append("\(Self.quote(key)):\(raw)") }

    var text: String { "{" + fields.joined(separator: ",") + "}" }

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                out += "\\u" + String(c.value, radix: 16).leftPadded(4)
            case let c where FileSystemName.escapedByte(c) != nil:
                out += "\\udc" + String(FileSystemName.escapedByte(c) ?? 0, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A probability with six decimals: stable text across platforms.
    static func number(_ value: Float) -> String {
        let scaled = (Double(value) * 1_000_000).rounded()
        let whole = Int(scaled) / 1_000_000, fraction = abs(Int(scaled) % 1_000_000)
        return "\(whole).\(String(fraction).leftPadded(6))"
    }
}

/// Reading back what `JSONObjectWriter` wrote: a lone `\udcXX` (a file-name byte that is not
/// UTF-8, see `FileSystemName`) is not valid for JSON parsers, so it becomes the escaped
/// scalar's surrogate pair before parsing.
enum EscapedFileNameBytes {
    static func restore(_ data: Data) -> Data {
        let marker = Array("\\udc".utf8)
        guard data.count >= 6, data.firstRange(of: marker) != nil else { return data }
        let bytes = [UInt8](data)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var index = 0
        var afterHighSurrogate = false
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count else {
                out.append(bytes[index])
                index += 1
                continue
            }
            let escape = bytes[index...].prefix(6)
            let text = String(decoding: escape, as: UTF8.self).lowercased()
            if text.hasPrefix("\\udc"), !afterHighSurrogate, escape.count == 6,
               let byte = UInt8(text.dropFirst(4), radix: 16), byte >= 0x80 {
                out += Array("\\udbff\\udf".utf8) + Array(text.dropFirst(4).utf8)
                index += 6
                afterHighSurrogate = false
                continue
            }
            afterHighSurrogate = text.hasPrefix("\\ud8") || text.hasPrefix("\\ud9") || text.hasPrefix("\\uda") || text.hasPrefix("\\udb")
            let length = text.hasPrefix("\\u") ? min(6, escape.count) : 2
            out += escape.prefix(length)
            index += length
        }
        return Data(out)
    }
}
