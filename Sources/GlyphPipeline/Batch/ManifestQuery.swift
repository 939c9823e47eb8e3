import Foundation
import GlyphImaging

/// A manifest line that could not be read back.
public struct ManifestReadError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension ManifestRecord {
    /// Parses one line of `manifest.jsonl`.
    public init(jsonLine: String) throws(ManifestReadError) {
        guard let data = jsonLine.data(using: .utf8),
              let object = (try? JSONSerialization.jsonObject(with: EscapedFileNameBytes.restore(data))) as? [String: Any] else {
            throw ManifestReadError(message: "not a JSON object: \(jsonLine.prefix(80))")
        }
        guard let input = object["input"] as? String,
              let statusText = object["status"] as? String,
              let status = Status(rawValue: statusText) else {
            throw ManifestReadError(message: "missing input or status: \(jsonLine.prefix(80))")
        }
        var error: StageFailure?
        if let failure = object["error"] as? [String: Any] {
            let code = (failure["code"] as? String).flatMap(ErrorCode.init(rawValue:)) ?? .stageError
            error = StageFailure(code, failure["message"] as? String ?? "")
        }
        var bbox: PixelRect?
        if let box = object["bbox"] as? [String: Any], let x = box["x"] as? Int, let y = box["y"] as? Int,
           let width = box["width"] as? Int, let height = box["height"] as? Int {
            bbox = PixelRect(x: x, y: y, width: width, height: height)
        }
        self.init(input: input, output: object["output"] as? String, status: status, error: error,
                  width: object["width"] as? Int, height: object["height"] as? Int, bbox: bbox)
        prediction = object["prediction"] as? String
        page = object["page"] as? Int
        pages = object["pages"] as? Int
        glyph = object["glyph"] as? Int
        glyphs = object["glyphs"] as? Int
        line = object["line"] as? Int
        word = object["word"] as? Int
        reason = object["reason"] as? String
        if let top = object["top"] as? [[String: Any]] {
            self.top = top.compactMap { guess in
                guard let label = guess["label"] as? String, let p = guess["p"] as? Double else { return nil }
                return Guess(label: label, probability: Float(p))
            }
        }
    }

    /// The probability of the best guess, when the file was classified.
    public var confidence: Float? { top?.first?.probability }

    /// Reads `directory/manifest.jsonl`.
    public static func read(outputDirectory directory: String) throws -> [ManifestRecord] {
        let path = directory + "/" + BatchRunner.manifestName
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ManifestReadError(message: "cannot read \(path): \(SystemErrorText.reason(error))")
        }
        var records: [ManifestRecord] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            do {
                records.append(try ManifestRecord(jsonLine: String(line)))
            } catch {
                throw ManifestReadError(message: "\(path):\(number + 1): \(error.message)")
            }
        }
        return records
    }
}

/// One `--filter` of the sheet and report: `label=a`, `status=error`, `confidence<0.5`,
/// `confidence>0.9`, `input~text`, `reason=low_confidence` (or `not_a_letter`, …) and
/// `withheld` (any line whose prediction was withheld, for review).
public enum RecordFilter: Sendable, Equatable, CustomStringConvertible {
    case label(String)
    case status(ManifestRecord.Status)
    case confidenceBelow(Float)
    case confidenceAbove(Float)
    case inputContains(String)
    /// A withheld prediction with this reason; nil: any reason.
    case withheld(String?)

    public init(parsing text: String) throws(ManifestReadError) {
        let usage = "filters are label=X, status=ok|error, confidence<P, confidence>P, input~TEXT, reason=R or withheld"
        func value(after separator: String) -> String? {
            guard let range = text.range(of: separator) else { return nil }
            return String(text[range.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        let key = text.prefix { $0.isLetter }.lowercased()
        switch key {
        case "label":
            guard let label = value(after: "="), !label.isEmpty else { throw ManifestReadError(message: "bad filter '\(text)': \(usage)") }
            self = .label(label)
        case "status":
            guard let raw = value(after: "="), let status = ManifestRecord.Status(rawValue: raw) else {
                throw ManifestReadError(message: "bad filter '\(text)': status is ok or error")
            }
            self = .status(status)
        case "confidence":
            if let raw = value(after: "<"), let p = Float(raw) {
                self = .confidenceBelow(p)
            } else if let raw = value(after: ">"), let p = Float(raw) {
                self = .confidenceAbove(p)
            } else {
                throw ManifestReadError(message: "bad filter '\(text)': \(usage)")
            }
        case "input":
            guard let part = value(after: "~") ?? value(after: "="), !part.isEmpty else {
                throw ManifestReadError(message: "bad filter '\(text)': \(usage)")
            }
            self = .inputContains(part)
        case "reason":
            guard let reason = value(after: "="), !reason.isEmpty else { throw ManifestReadError(message: "bad filter '\(text)': \(usage)") }
            self = .withheld(reason)
        case "withheld" where text.lowercased() == "withheld":
            self = .withheld(nil)
        default:
            throw ManifestReadError(message: "bad filter '\(text)': \(usage)")
        }
    }

    public func matches(_ record: ManifestRecord) -> Bool {
        switch self {
        case let .label(label): return record.prediction == label
        case let .status(status): return record.status == status
        case let .confidenceBelow(p): return record.confidence.map { $0 < p } ?? false
        case let .confidenceAbove(p): return record.confidence.map { $0 > p } ?? false
        case let .inputContains(part): return record.input.contains(part)
        case let .withheld(reason): return record.prediction == nil && record.reason != nil && (reason == nil || record.reason == reason)
        }
    }

    public var description: String {
        switch self {
        case let .label(label): return "label=\(label)"
        case let .status(status): return "status=\(status.rawValue)"
        case let .confidenceBelow(p): return "confidence<\(p)"
        case let .confidenceAbove(p): return "confidence>\(p)"
        case let .inputContains(part): return "input~\(part)"
        case let .withheld(reason): return reason.map { "reason=\($0)" } ?? "withheld"
        }
    }
}

/// The order of a contact sheet.
public enum RecordOrder: String, Sendable, CaseIterable {
    /// Manifest order.
    case manifest
    /// Least confident first; files without a prediction last, in manifest order.
    case confidence
    /// By input path.
    case input
}

/// Which manifest records a sheet shows, in what order, how many.
public struct RecordQuery: Sendable, Equatable {
    public var filters: [RecordFilter]
    public var order: RecordOrder
    public var limit: Int?

    public init(filters: [RecordFilter] = [], order: RecordOrder = .manifest, limit: Int? = nil) {
        self.filters = filters
        self.order = order
        self.limit = limit
    }

    public func apply(_ records: [ManifestRecord]) -> [ManifestRecord] {
        var selected = records.filter { record in filters.allSatisfy { $0.matches(record) } }
        switch order {
        case .manifest: break
        case .input: selected = selected.enumerated().sorted { ($0.element.input, $0.offset) < ($1.element.input, $1.offset) }.map(\.element)
        case .confidence:
            selected = selected.enumerated().sorted { a, b in
                switch (a.element.confidence, b.element.confidence) {
                case let (x?, y?): return x != y ? x < y : a.offset < b.offset
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil): return a.offset < b.offset
                }
            }.map(\.element)
        }
        if let limit { selected = Array(selected.prefix(max(0, limit))) }
        return selected
    }
}
