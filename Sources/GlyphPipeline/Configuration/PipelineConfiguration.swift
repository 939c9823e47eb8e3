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

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: CodingKeys.allCases.map(\.rawValue), in: "a pipeline")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        guard version == Self.currentVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .version, in: container,
                debugDescription: "unsupported pipeline version \(version); this glyphprep reads version \(Self.currentVersion)")
        }
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? "pipeline"
        output = try container.decodeIfPresent(OutputOptions.self, forKey: .output) ?? OutputOptions()

        var list = try container.nestedUnkeyedContainer(forKey: .stages)
        var decoded: [StageEntry] = []
        while !list.isAtEnd { decoded.append(try list.decode(StageEntry.self)) }
        guard case .decode(let first)? = decoded.first else {
            throw DecodingError.dataCorruptedError(
                forKey: .stages, in: container,
                debugDescription: "the first stage must be 'decode'")
        }
        decode = first
        stages = []
        var grayscale = false
        for (index, entry) in decoded.enumerated().dropFirst() {
            if case .classify(let options) = entry {
                guard index == decoded.count - 1 else {
                    throw DecodingError.dataCorrupted(.init(
                        codingPath: container.codingPath + [CodingKeys.stages, AnyCodingKey(index: index)],
                        debugDescription: "'classify' must be the last stage"))
                }
                classify = options
                continue
            }
            guard case .image(let stage) = entry else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: container.codingPath + [CodingKeys.stages, AnyCodingKey(index: index)],
                    debugDescription: "'decode' may appear only once, as the first stage"))
            }
            let type = Swift.type(of: stage)
            if type.needsGrayscale && !grayscale {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: container.codingPath + [CodingKeys.stages, AnyCodingKey(index: index)],
                    debugDescription: "'\(type.name)' needs a grayscale image: add '- grayscale' before it"))
            }
            if type.makesGrayscale { grayscale = true }
            stages.append(stage)
        }
        guard grayscale else {
            throw DecodingError.dataCorruptedError(
                forKey: .stages, in: container,
                debugDescription: "the pipeline must convert to grayscale: add '- grayscale' after 'decode'")
        }
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
            throw PipelineError(yamlError: error, source: source)
        } catch {
            throw PipelineError(source: source, line: nil, column: nil, message: "\(error)")
        }
        do {
            return try YAMLDecoder().decode(PipelineConfiguration.self, from: node)
        } catch let error as DecodingError {
            throw PipelineError(decodingError: error, root: node, source: source)
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
                debugDescription: "unknown stage '\(name)' (valid stages: \(StageCatalog.names.joined(separator: ", "))).\(hint)"))
        }
        if let parameters, (try? parameters.singleValueContainer().decodeNil()) == true {
            return .image(try type.init(from: empty))
        }
        return .image(try type.init(from: parameters ?? empty))
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
