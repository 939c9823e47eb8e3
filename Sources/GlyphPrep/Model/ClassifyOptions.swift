/// The `classify` stage's parameters: which model, and how to turn a normalized 28×28 image
/// into the tensor that model expects.
public struct ClassifyOptions: Sendable, Decodable, Equatable {
    public static let name = "classify"
    public static let summary = "run an ONNX model on the normalized images (batched) and record the top guesses"
    public static let parameters = [
        ParameterDoc("model", "path | name", default: "required", "an .onnx file (relative to the pipeline file), or a model shipped in models/"),
        ParameterDoc("top_k", "1…100", default: "3", "guesses recorded in the manifest's top"),
        ParameterDoc("scale", "number", default: "1/255", "pixels (0…255) are multiplied by this"),
        ParameterDoc("mean", "number", default: "0", "subtracted after scaling"),
        ParameterDoc("std", "number > 0", default: "1", "divided by after subtracting mean"),
        ParameterDoc("layout", "auto | nchw | nhwc | hw | flat", default: "auto", "tensor layout; auto reads the model's input shape"),
        ParameterDoc("transpose", "true | false", default: "false", "swap rows and columns (models trained on raw EMNIST arrays)"),
        ParameterDoc("softmax", "auto | always | never", default: "auto", "auto applies softmax unless the graph ends in Softmax"),
        ParameterDoc("labels", "list of strings", default: "model metadata, else a–z", "class names in output order"),
    ]

    /// How pixels are laid out in the input tensor.
    public enum Layout: String, Sendable, CaseIterable {
        case auto, nchw, nhwc, hw, flat
    }

    /// Whether to turn the model's outputs into probabilities.
    public enum Softmax: String, Sendable, CaseIterable {
        case auto, always, never
    }

    public var model: String
    public var topK: Int = 3
    public var scale: Double = 1.0 / 255
    public var mean: Double = 0
    public var std: Double = 1
    public var layout: Layout = .auto
    public var transpose = false
    public var softmax: Softmax = .auto
    public var labels: [String]?

    public init(model: String) { self.model = model }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, topK = "top_k", scale, mean, std, layout, transpose, softmax, labels
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: CodingKeys.allCases.map(\.rawValue), in: Self.name)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decode(String.self, forKey: .model)
        topK = try container.decode(.topK, default: 3, in: 1...100)
        scale = try container.decode(.scale, default: 1.0 / 255, in: -1e6...1e6)
        mean = try container.decode(.mean, default: 0, in: -1e6...1e6)
        std = try container.decode(.std, default: 1, in: 1e-9...1e9)
        layout = try container.decodeChoice(.layout, default: .auto)
        transpose = try container.decodeIfPresent(Bool.self, forKey: .transpose) ?? false
        softmax = try container.decodeChoice(.softmax, default: .auto)
        labels = try container.decodeIfPresent([String].self, forKey: .labels)
    }

    public var label: String { model }
}
