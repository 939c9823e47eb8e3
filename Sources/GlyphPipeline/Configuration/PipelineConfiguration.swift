import Foundation
import Yams

/// A pipeline as written in YAML: `version`, `name`, an ordered list of `stages` and `output`.
public struct PipelineConfiguration: Sendable, Decodable {
    /// The only schema version this build reads.
    public static let currentVersion = 1

    public var version: Int
    public var name: String
    public var decode: DecodeStage
    public var stages: [any PipelineStage]
    /// The final `classify` stage, when the pipeline has one.
    public var classify: ClassifyOptions?
    public var output: OutputOptions

    enum CodingKeys: String, CodingKey, CaseIterable {
        case version, name, stages, output
    }

    /// Decodes the whole file, collecting every problem it finds (`DecodingProblems`) rather
    /// than stopping at the first.
    public init(from decoder: Decoder) throws {
        var problems: [any Error] = []
        func attempt<T>(_ body: () throws -> T) -> T? {
            do { return try body() } catch {
                problems.append(error)
                return nil
            }
        }
        _ = attempt { try decoder.rejectUnknownKeys(allowed: CodingKeys.allCases.map(\.rawValue), in: "a pipeline") }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = attempt { try container.decode(Int.self, forKey: .version) } ?? Self.currentVersion
        if version != Self.currentVersion {
            problems.append(DecodingError.dataCorruptedError(
                forKey: .version, in: container,
                debugDescription: "unsupported pipeline version \(version); this glyphprep reads version \(Self.currentVersion)"))
        }
        name = attempt { try container.decodeIfPresent(String.self, forKey: .name) ?? "pipeline" } ?? "pipeline"
        output = attempt { try container.decodeIfPresent(OutputOptions.self, forKey: .output) ?? OutputOptions() } ?? OutputOptions()
        var entries: [StageEntry?] = []
        let stageList = attempt { try container.nestedUnkeyedContainer(forKey: .stages) }
        if var list = stageList {
            while !list.isAtEnd {
                let outcome = try list.decode(Attempted<StageEntry>.self).outcome
                entries.append(attempt { try outcome.get() })
            }
        }
        decode = try DecodeStage(from: EmptyParameters())
        stages = []
        problems += assemble(entries, path: container.codingPath + [CodingKeys.stages], hasList: stageList != nil)
        if problems.count == 1, let problem = problems.first { throw problem }
        if !problems.isEmpty { throw DecodingProblems(errors: problems) }
    }

    /// Sets `decode`, `stages` and `classify` from the decoded stage list; returns what is wrong
    /// with its order. `nil` entries failed to decode (already reported).
    private mutating func assemble(_ entries: [StageEntry?], path: [CodingKey], hasList: Bool) -> [any Error] {
        var problems: [any Error] = []
        func problem(_ index: Int?, _ text: String) {
            problems.append(DecodingError.dataCorrupted(.init(
                codingPath: path + (index.map { [AnyCodingKey(index: $0)] } ?? []), debugDescription: text)))
        }
        switch entries.first {
        case .decode(let first)??: decode = first
        case nil: if hasList { problem(nil, "the first stage must be 'decode'") }
        case .some(nil): break
        case .some(.some): problem(0, "the first stage must be 'decode'")
        }
        var grayscale = false, reported = !problems.isEmpty
        for (index, entry) in entries.enumerated() {
            if index == 0, case .decode? = entry { continue }
            switch entry {
            case .classify(let options)?:
                if index == entries.count - 1 { classify = options } else { problem(index, "'classify' must be the last stage") }
            case .decode?:
                if index > 0 { problem(index, "'decode' may appear only once, as the first stage") }
            case .image(let stage)?:
                let type = Swift.type(of: stage)
                if type.needsGrayscale && !grayscale {
                    problem(index, "'\(type.name)' needs a grayscale image: add '- grayscale' before it")
                    reported = true
                }
                if type.makesGrayscale { grayscale = true }
                stages.append(stage)
            case nil:
                grayscale = true
            }
        }
        if !grayscale && !entries.isEmpty && !reported {
            problem(nil, "the pipeline must convert to grayscale: add '- grayscale' after 'decode'")
        }
        return problems
    }

    /// Reads a pipeline from YAML text. `source` names the file in error messages.
    public static func parse(yaml text: String, source: String = "<pipeline>") throws(PipelineError) -> PipelineConfiguration {
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                throw PipelineError(source: source, line: 1, column: 1, message: "the pipeline file is empty")
            }
            node = composed
        } catch let error as PipelineError {
            throw error
        } catch let error as YamlError {
            var failure = PipelineError(yamlError: error, source: source)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if let line = failure.line, line >= 1, line <= lines.count, lines[line - 1].contains("\t") {
                failure.message += " (line \(line) has a tab: YAML indents with spaces only)"
            }
            throw failure
        } catch {
            throw PipelineError(source: source, line: nil, column: nil, message: "\(error)")
        }
        do {
            return try YAMLDecoder().decode(PipelineConfiguration.self, from: node)
        } catch let error as DecodingError {
            throw PipelineError(decodingError: error, root: node, source: source)
        } catch let problems as DecodingProblems {
            throw PipelineError(problems: problems.errors, root: node, source: source)
        } catch {
            throw PipelineError(source: source, line: nil, column: nil, message: "\(error)")
        }
    }
}

/// Where and how normalized images are written.
public struct OutputOptions: Sendable, Decodable, Equatable {
    /// The output format: PNGs per input always, plus a dataset file for `idx` and `npy`.
    public enum Format: String, Sendable, CaseIterable, Decodable {
        case png, idx, npy
    }

    /// Where the labels of a dataset export come from.
    public enum Labels: Sendable, Equatable, CustomStringConvertible {
        /// The name of the folder holding each file (`a/scan1.jpg` → `a`).
        case folders
        /// A CSV of `file,label`, file paths relative to the input directory; the CSV's own
        /// path is relative to the input directory unless absolute.
        case csv(String)

        public init?(_ text: String) {
            if text == "folders" {
                self = .folders
            } else if text.lowercased().hasSuffix(".csv") {
                self = .csv(text)
            } else {
                return nil
            }
        }

        public var description: String {
            switch self {
            case .folders: "folders"
            case .csv(let path): path
            }
        }
    }

    public var format: Format = .png
    public var labels: Labels?

    public init(format: Format = .png, labels: Labels? = nil) {
        self.format = format
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case format, labels
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: CodingKeys.allCases.map(\.rawValue), in: "output")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decodeChoice(.format, default: .png)
        if let raw = try container.decodeIfPresent(String.self, forKey: .labels) {
            guard let labels = Labels(raw) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .labels, in: container,
                    debugDescription: "labels must be 'folders' or the path of a .csv file of file,label; got '\(raw)'")
            }
            guard format != .png else {
                throw DecodingError.dataCorruptedError(
                    forKey: .labels, in: container,
                    debugDescription: "labels are written with a dataset export: set format to idx or npy")
            }
            self.labels = labels
        }
    }
}

/// One entry of `stages:`, either `- name` or `- name: {parameters}`.
enum StageEntry: Decodable {
    case decode(DecodeStage)
    case image(any PipelineStage)
    case classify(ClassifyOptions)

    init(from decoder: Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let name = try? single.decode(String.self) {
            self = try Self.make(name: name, decoder: decoder, parameters: nil)
            return
        }
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "each stage is one name with its parameters, e.g. '- blur: {sigma: 1}'"))
        }
        let parameters = try container.superDecoder(forKey: key)
        self = try Self.make(name: key.stringValue, decoder: decoder, parameters: parameters)
    }

    private static func make(name: String, decoder: Decoder, parameters: Decoder?) throws -> StageEntry {
        let empty = EmptyParameters()
        if name == DecodeStage.name {
            return .decode(try parameters.map(DecodeStage.init(from:)) ?? DecodeStage(from: empty))
        }
        if name == ClassifyOptions.name {
            return .classify(try ClassifyOptions(from: parameters ?? empty))
        }
        guard let type = StageCatalog.imageStage(named: name) else {
            let hint = nearestName(to: name, in: StageCatalog.names).map { " Did you mean '\($0)'?" } ?? ""
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath + (parameters.map { [AnyCodingKey($0.codingPath.last?.stringValue ?? name)] } ?? []),
                debugDescription: "unknown stage '\(name)' (valid stages: \(StageCatalog.names.joined(separator: ", "))).\(hint)",
                underlyingError: UnknownKey()))
        }
        if let parameters, (try? parameters.singleValueContainer().decodeNil()) == true {
            return .image(try type.init(from: empty))
        }
        return .image(try type.init(from: parameters ?? empty))
    }
}

/// Several problems found in one pipeline file.
struct DecodingProblems: Error {
    var errors: [any Error]
}

/// Decodes a value without failing, so that a list goes on past a bad element.
private struct Attempted<Value: Decodable>: Decodable {
    var outcome: Result<Value, any Error>

    init(from decoder: Decoder) {
        outcome = Result { try Value(from: decoder) }
    }
}

/// A decoder for a stage written without parameters: every key is absent.
private struct EmptyParameters: Decoder {
    var codingPath: [CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(EmptyContainer<Key>())
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "no parameters"))
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "no parameters"))
    }

    private struct EmptyContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        var codingPath: [CodingKey] = []
        var allKeys: [Key] { [] }
        func contains(_ key: Key) -> Bool { false }
        func decodeNil(forKey key: Key) throws -> Bool { true }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            KeyedDecodingContainer(EmptyContainer<NestedKey>())
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        func superDecoder() throws -> Decoder { EmptyParameters() }
        func superDecoder(forKey key: Key) throws -> Decoder { EmptyParameters() }
    }
}
