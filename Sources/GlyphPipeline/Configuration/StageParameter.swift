/// One parameter of a stage, declared once: its YAML name, its type and range, its
/// documentation and the property it sets. Its default is that property's value in the
/// stage's `init()`. Decoding with located errors, range checks and the `stages` listing are
/// all derived from this declaration (libvips' `VIPS_ARG_DOUBLE`, argument-parser's `@Option`).
public struct StageParameter<Stage>: Sendable {
    public let name: String
    /// The accepted values, e.g. `fraction 0…1` or `auto | always | never`.
    public let type: String
    public let help: String
    let defaultText: @Sendable (Stage) -> String
    let decode: @Sendable (inout Stage, KeyedDecodingContainer<AnyCodingKey>) throws -> Void

    /// A parameter with its own decoding, for values that are not a plain number, flag or choice.
    public init(
        _ name: String, type: String, _ help: String,
        defaultText: @escaping @Sendable (Stage) -> String,
        decode: @escaping @Sendable (inout Stage, KeyedDecodingContainer<AnyCodingKey>, AnyCodingKey) throws -> Void
    ) {
        self.name = name
        self.type = type
        self.help = help
        self.defaultText = defaultText
        let key = AnyCodingKey(name)
        self.decode = { stage, container in try decode(&stage, container, key) }
    }

    /// A number within `range`; `unit` names what it counts (`pixels`, `fraction`).
    public static func number<Value: Decodable & Comparable & Sendable>(
        _ name: String, _ property: WritableKeyPath<Stage, Value> & Sendable, in range: ClosedRange<Value>,
        unit: String? = nil, _ help: String
    ) -> Self {
        let bounds = isUnbounded(range.upperBound)
            ? "≥ \(text(range.lowerBound))" : "\(text(range.lowerBound))…\(text(range.upperBound))"
        return Self(name, type: [unit, bounds].compactMap { $0 }.joined(separator: " "), help,
                    defaultText: { text($0[keyPath: property]) },
                    decode: { stage, container, key in
                        stage[keyPath: property] = try container.decode(key, default: stage[keyPath: property], in: range)
                    })
    }

    /// An optional number within `range`; absent means `none` (what that means, `help` says).
    public static func number<Value: Decodable & Comparable & Sendable>(
        _ name: String, _ property: WritableKeyPath<Stage, Value?> & Sendable, in range: ClosedRange<Value>,
        unit: String? = nil, none: String = "none", _ help: String
    ) -> Self {
        let bounds = isUnbounded(range.upperBound)
            ? "≥ \(text(range.lowerBound))" : "\(text(range.lowerBound))…\(text(range.upperBound))"
        return Self(name, type: [unit, bounds].compactMap { $0 }.joined(separator: " "), help,
                    defaultText: { $0[keyPath: property].map { text($0) } ?? none },
                    decode: { stage, container, key in
                        guard container.contains(key) else { return }
                        stage[keyPath: property] = try container.decode(key, default: range.lowerBound, in: range)
                    })
    }

    /// `true` or `false`.
    public static func flag(_ name: String, _ property: WritableKeyPath<Stage, Bool> & Sendable, _ help: String) -> Self {
        Self(name, type: "true | false", help,
             defaultText: { String($0[keyPath: property]) },
             decode: { stage, container, key in
                 if let value = try container.decodeIfPresent(Bool.self, forKey: key) { stage[keyPath: property] = value }
             })
    }

    /// One of an enumeration's cases, by name.
    public static func choice<Value: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ property: WritableKeyPath<Stage, Value> & Sendable, _ help: String
    ) -> Self where Value.RawValue == String {
        Self(name, type: Value.allCases.map(\.rawValue).joined(separator: " | "), help,
             defaultText: { $0[keyPath: property].rawValue },
             decode: { stage, container, key in
                 stage[keyPath: property] = try container.decodeChoice(key, default: stage[keyPath: property])
             })
    }

    /// Whether numbers up to this bound are documented as "≥ lower".
    private static func isUnbounded<Value>(_ upper: Value) -> Bool {
        switch upper {
        case let value as Int: value >= Int(Int32.max)
        case let value as Double: value >= 1e6
        default: false
        }
    }

    private static func text<Value>(_ value: Value) -> String {
        (value as? Double)?.compact ?? "\(value)"
    }
}

/// A stage whose parameters are declared as `StageParameter`s: `decode`, `classify` and every
/// `PipelineStage`. Decoding from YAML and the `stages` listing come from the declarations.
public protocol DeclaredStage: Sendable, Decodable {
    /// The stage's name in YAML, e.g. `sigmoid_contrast`.
    static var name: String { get }
    /// One line saying what the stage does, for `glyphprep stages`.
    static var summary: String { get }
    /// The stage's parameters, each declared once.
    static var parameters: [StageParameter<Self>] { get }
    /// The stage with every parameter at its default.
    init()
    /// Checks that concern several parameters at once, after each was decoded.
    func validate() throws(ParameterProblem)
    /// The stage's key parameters in a few characters, for labels in previews.
    var label: String { get }
}

/// A combination of parameter values that cannot work, found by `DeclaredStage.validate`.
public struct ParameterProblem: Error, Sendable {
    /// The parameter the message is about (its location is reported).
    public var parameter: String
    public var message: String

    public init(_ parameter: String, _ message: String) {
        self.parameter = parameter
        self.message = message
    }
}

extension DeclaredStage {
    public func validate() throws(ParameterProblem) {}

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: Self.parameters.map(\.name), in: Self.name)
        self.init()
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        for parameter in Self.parameters { try parameter.decode(&self, container) }
        do {
            try validate()
        } catch {
            throw DecodingError.dataCorrupted(.init(
                codingPath: container.codingPath + [AnyCodingKey(error.parameter)], debugDescription: error.message))
        }
    }

    /// The parameters' documentation, defaults taken from `init()`.
    public static var parameterDocs: [ParameterDoc] {
        let defaults = Self()
        return parameters.map { ParameterDoc($0.name, $0.type, default: $0.defaultText(defaults), $0.help) }
    }
}

extension DeclaredStage {
    /// A copy with `change` applied, e.g. `BlurStage().with { $0.sigma = 2 }`.
    public func with(_ change: (inout Self) -> Void) -> Self {
        var copy = self
        change(&copy)
        return copy
    }
}
