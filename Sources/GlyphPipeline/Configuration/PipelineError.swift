import Yams

/// A pipeline file that cannot be used, with the place in the file that is wrong.
public struct PipelineError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    /// 1-based line and column in the YAML file, when known.
    public var line: Int?
    public var column: Int?
    public var message: String
    /// Further problems found in the same file, in file order.
    public var others: [PipelineError] = []

    public init(source: String, line: Int?, column: Int?, message: String) {
        self.source = source
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        ([self.place] + others.map(\.place)).joined(separator: "\n")
    }

    /// This problem alone, as `file:line:column: message`.
    private var place: String {
        switch (line, column) {
        case let (line?, column?): return "\(source):\(line):\(column): \(message)"
        case let (line?, nil): return "\(source):\(line): \(message)"
        default: return "\(source): \(message)"
        }
    }

    init(yamlError: YamlError, source: String) {
        switch yamlError {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _):
            let what = context.map { "\($0.text) " } ?? ""
            self.init(source: source, line: mark.line, column: mark.column, message: "invalid YAML: \(what)\(problem)")
        default:
            self.init(source: source, line: nil, column: nil, message: "invalid YAML: \(yamlError)")
        }
    }

    init(decodingError: DecodingError, root: Node, source: String) {
        let path: [CodingKey]
        let message: String
        var atKey = false
        switch decodingError {
        case let .dataCorrupted(context):
            path = context.codingPath
            message = context.debugDescription
            atKey = context.underlyingError is UnknownKey
        case let .keyNotFound(key, context):
            path = context.codingPath
            message = "missing required key '\(key.stringValue)'"
        case let .typeMismatch(type, context):
            path = context.codingPath
            let name = path.last.map { "'\($0.stringValue)'" } ?? "value"
            message = "\(name) must be \(Self.describe(type))"
        case let .valueNotFound(type, context):
            path = context.codingPath
            let name = path.last.map { "'\($0.stringValue)'" } ?? "value"
            message = "\(name) must be \(Self.describe(type)), but it is empty"
        @unknown default:
            path = []
            message = "\(decodingError)"
        }
        let mark = Self.locate(path, in: root, atKey: atKey)
        self.init(source: source, line: mark?.line, column: mark?.column, message: message)
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default: return "a \(type)".replacingOccurrences(of: "Mapping", with: "mapping")
        }
    }

    /// The deepest node along `path` that exists in the document; with `atKey`, for a path
    /// that ends at a mapping's key, the key itself (an unknown name), not its value.
    static func locate(_ path: [CodingKey], in root: Node, atKey: Bool = false) -> Mark? {
        var node = root
        for (position, key) in path.enumerated() {
            if let index = key.intValue, case let .sequence(sequence) = node, index < sequence.count {
                node = sequence[index]
            } else if case let .mapping(mapping) = node,
                      let value = mapping.first(where: { $0.key.string == key.stringValue }) {
                if atKey && position == path.count - 1 { return value.key.mark ?? value.value.mark }
                node = value.value
            } else {
                break
            }
        }
        return node.mark
    }

    /// One error for every problem of a file, the first carrying the others, in file order.
    init(problems: [any Error], root: Node, source: String) {
        var all = problems.map { problem -> PipelineError in
            if let decoding = problem as? DecodingError { return PipelineError(decodingError: decoding, root: root, source: source) }
            return PipelineError(source: source, line: nil, column: nil, message: "\(problem)")
        }
        all.sort { ($0.line ?? .max, $0.column ?? .max) < ($1.line ?? .max, $1.column ?? .max) }
        self = all.first ?? PipelineError(source: source, line: nil, column: nil, message: "invalid pipeline")
        others = Array(all.dropFirst())
    }
}
