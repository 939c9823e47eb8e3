import Foundation
import GlyphImaging

/// A malformed UNIPEN file or an unreadable strokes directory, with the file and 1-based line.
public struct UnipenParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or a caller-chosen name for in-memory text).
    public var source: String
    /// The 1-based line, 0 when the problem is not tied to a line.
    public var line: Int
    public var message: String

    public init(source: String, line: Int, message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(source):\(line): \(message)" : "\(source): \(message)"
    }
}

/// Reads UNIPEN-style stroke files such as the UJI Pen Characters data set.
///
/// A sample is every `.PEN_DOWN` … `.PEN_UP` stroke after a `.SEGMENT` line (whose last quoted
/// string is the character), up to the next `.SEGMENT`. Other keywords (`.COMMENT`, `.DT`,
/// `.LEXICON`, `.HIERARCHY`, …) are ignored. Lines end in LF, CRLF or a bare CR; text is
/// Latin-1.
public enum UnipenParser {
    /// Parses one file's bytes (Latin-1). `writer` is recorded on every sample; `source` names
    /// the input in errors.
    public static func parse(
        bytes: [UInt8], writer: String, source: String = "<input>"
    ) throws(UnipenParseError) -> [StrokeSample] {
        var samples: [StrokeSample] = []
        var current: StrokeSample?
        var stroke: [StrokeSample.Point]?
        var strokeLine = 0

        func fail(_ line: Int, _ message: String) -> UnipenParseError {
            UnipenParseError(source: source, line: line, message: message)
        }
        func finishSample() throws(UnipenParseError) {
            guard let sample = current else { return }
            if sample.strokes.isEmpty {
                throw fail(sample.line, "segment \"\(sample.character)\" has no strokes")
            }
            samples.append(sample)
            current = nil
        }

        var lineNumber = 0
        var start = 0
        let count = bytes.count
        while start < count {
            // Find the end of this line: LF, CRLF or a bare CR.
            var end = start
            while end < count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
            var next = end
            if next < count {
                next += (bytes[next] == 0x0D && next + 1 < count && bytes[next + 1] == 0x0A) ? 2 : 1
            }
            lineNumber += 1
            let line = latin1(bytes[start..<end]).trimmingCharacters(in: .whitespaces)
            start = next

            if line.isEmpty { continue }
            if line.hasPrefix(".") {
                let keyword = line.prefix { !$0.isWhitespace }
                switch keyword {
                case ".SEGMENT":
                    if stroke != nil { throw fail(lineNumber, ".SEGMENT inside a stroke (missing .PEN_UP for line \(strokeLine))") }
                    try finishSample()
                    guard let first = line.firstIndex(of: "\""), let last = line.lastIndex(of: "\""), first < last else {
                        throw fail(lineNumber, ".SEGMENT without a quoted label")
                    }
                    let label = line[line.index(after: first)..<last]
                    guard label.count == 1, let character = label.first else {
                        throw fail(lineNumber, ".SEGMENT label \"\(label)\" is not a single character")
                    }
                    current = StrokeSample(writer: writer, character: character, strokes: [], line: lineNumber)
                case ".PEN_DOWN":
                    if current == nil { throw fail(lineNumber, ".PEN_DOWN before any .SEGMENT") }
                    if stroke != nil { throw fail(lineNumber, ".PEN_DOWN while the pen is already down (since line \(strokeLine))") }
                    stroke = []
                    strokeLine = lineNumber
                case ".PEN_UP":
                    guard let finished = stroke else { throw fail(lineNumber, ".PEN_UP without .PEN_DOWN") }
                    if finished.isEmpty { throw fail(lineNumber, "stroke starting at line \(strokeLine) has no points") }
                    current?.strokes.append(finished)
                    stroke = nil
                default:
                    if stroke != nil, keyword != ".DT", keyword != ".COMMENT" {
                        throw fail(lineNumber, "\(keyword) inside a stroke (missing .PEN_UP for line \(strokeLine))")
                    }
                }
                continue
            }
            guard stroke != nil else {
                throw fail(lineNumber, "point data outside .PEN_DOWN … .PEN_UP: \"\(line.prefix(40))\"")
            }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let x = Double(fields[0]), let y = Double(fields[1]),
                  x.isFinite, y.isFinite else {
                throw fail(lineNumber, "expected \"x y\" coordinates, got \"\(line.prefix(40))\"")
            }
            stroke?.append(StrokeSample.Point(x: x, y: y))
        }
        if stroke != nil { throw fail(lineNumber, "file ends inside a stroke (missing .PEN_UP for line \(strokeLine))") }
        try finishSample()
        return samples
    }

    /// Parses UNIPEN text already in memory.
    public static func parse(
        _ text: String, writer: String, source: String = "<input>"
    ) throws(UnipenParseError) -> [StrokeSample] {
        // Characters outside Latin-1 cannot occur in a real file; keep them as '?'.
        let bytes = text.unicodeScalars.map { $0.value < 256 ? UInt8($0.value) : 0x3F }
        return try parse(bytes: bytes, writer: writer, source: source)
    }

    /// The writer id in a file name such as `UJIpenchars-w03` (`w03`), nil if there is none.
    public static func writerID(fromFileName name: String) -> String? {
        let stem = name.split(separator: ".").first.map(String.init) ?? name
        guard let tail = stem.split(separator: "-").last else { return nil }
        let id = String(tail).lowercased()
        guard id.count >= 2, id.first == "w", id.dropFirst().allSatisfy(\.isASCIIDigit) else { return nil }
        return id
    }

    /// Loads every writer file (`…-wNN`) in `directory`, sorted by writer, optionally only
    /// `writers`, and with `lettersOnly` only the 26 letter classes.
    public static func loadDirectory(
        _ directory: URL, writers: Set<String>? = nil, lettersOnly: Bool = true
    ) throws(UnipenParseError) -> [StrokeSample] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw UnipenParseError(source: directory.path, line: 0, message: "cannot list directory: \(SystemErrorText.reason(error))")
        }
        var files: [(writer: String, name: String)] = []
        for name in names where !name.hasPrefix(".") {
            guard let writer = writerID(fromFileName: name) else { continue }
            if let writers, !writers.contains(writer) { continue }
            files.append((writer, name))
        }
        files.sort { ($0.writer, $0.name) < ($1.writer, $1.name) }
        if files.isEmpty {
            let wanted = writers.map { " for writers \($0.sorted().joined(separator: ","))" } ?? ""
            throw UnipenParseError(source: directory.path, line: 0, message: "no UNIPEN writer files (…-wNN)\(wanted)")
        }
        var samples: [StrokeSample] = []
        for file in files {
            let url = directory.appendingPathComponent(file.name)
            let data: Data
            do {
                data = try Data(contentsOf: url)
            } catch {
                throw UnipenParseError(source: url.path, line: 0, message: "cannot read: \(SystemErrorText.reason(error))")
            }
            let parsed = try parse(bytes: [UInt8](data), writer: file.writer, source: url.path)
            samples += lettersOnly ? parsed.filter(\.isLetter) : parsed
        }
        return samples
    }

    private static func latin1(_ bytes: ArraySlice<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return String(scalars)
    }
}

private extension Character {
    var isASCIIDigit: Bool { asciiValue.map { (0x30...0x39).contains($0) } ?? false }
}
