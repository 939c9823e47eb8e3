/// The `classify` stage's parameters: which model, and how to turn a normalized 28×28 image
/// into the tensor that model expects.
public struct ClassifyOptions: DeclaredStage, Equatable {
    public static let name = "classify"
    public static let summary = "run an ONNX model on the normalized images (batched) and record the top guesses"
    public static let parameters: [StageParameter<Self>] = [
        StageParameter("model", type: "path | name", "an .onnx file (relative to the pipeline file), or a model shipped in models/",
                       defaultText: { _ in "required" }, decode: { options, container, key in
                           options.model = try container.decode(String.self, forKey: key)
                       }),
        .number("top_k", \.topK, in: 1...100, "guesses recorded in the manifest's top"),
        StageParameter("scale", type: "number", "pixels (0…255) are multiplied by this",
                       defaultText: { $0.scale == 1.0 / 255 ? "1/255" : $0.scale.compact }, decode: { options, container, key in
                           options.scale = try container.decode(key, default: options.scale, in: -1e6...1e6)
                       }),
        .number("mean", \.mean, in: -1e6...1e6, "subtracted after scaling"),
        .number("std", \.std, in: 1e-9...1e9, "divided by after subtracting mean"),
        .choice("layout", \.layout, "tensor layout; auto reads the model's input shape"),
        .flag("transpose", \.transpose, "swap rows and columns (models trained on raw EMNIST arrays)"),
        .choice("softmax", \.softmax, "auto applies softmax unless the graph ends in Softmax"),
        StageParameter("min_confidence", type: "number",
                       "withhold the prediction (null, reason low_confidence) when the top calibrated probability is below this; 0 = always answer",
                       defaultText: { _ in "the model's glyphprep.threshold, else 0" }, decode: { options, container, key in
                           // Absent stays nil, so the model's own threshold applies.
                           if container.contains(key) { options.minConfidence = try container.decode(key, default: 0, in: 0...1) }
                       }),
        StageParameter("labels", type: "list of strings", "class names in output order",
                       defaultText: { _ in "model metadata, else a–z" }, decode: { options, container, key in
                           options.labels = try container.decodeIfPresent([String].self, forKey: key)
                       }),
    ]

    /// How pixels are laid out in the input tensor.
    public enum Layout: String, Sendable, CaseIterable {
        case auto, nchw, nhwc, hw, flat
    }

    /// Whether to turn the model's outputs into probabilities.
    public enum Softmax: String, Sendable, CaseIterable {
        case auto, always, never
    }

    public var model = ""
    public var topK: Int = 3
    public var scale: Double = 1.0 / 255
    public var mean: Double = 0
    public var std: Double = 1
    public var layout: Layout = .auto
    public var transpose = false
    public var softmax: Softmax = .auto
    public init() {}

    public init(model: String) { self.model = model }

    public var labels: [String]?
    /// nil: the model's calibrated threshold.
    public var minConfidence: Double?

    public var label: String { model }
}
