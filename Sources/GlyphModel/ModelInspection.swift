import GlyphImaging
import GlyphPipeline

/// One layer's output for one image, as a model runtime reports it.
public struct LayerActivation: Sendable, Equatable {
    /// The layer's name in the model, e.g. `conv1` or `logits`.
    public var name: String
    /// The output's shape without the batch dimension, e.g. `[8, 26, 26]` or `[26]`.
    public var shape: [Int]
    /// The values in row-major order; `shape`'s product of them.
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// Something that can run a model on one normalized image and report every layer's output,
/// the last being the output layer (one value per class, in `Classifying.labels` order).
public protocol ActivationSource: Sendable {
    func activations(for image: Raster) throws -> [LayerActivation]
}

/// A classifier that names its classes. `classify` comes from `BatchClassifier`, so the same
/// object serves `run` and the previews.
public protocol Classifying: BatchClassifier {
    /// The class labels, in the order of the model's output layer.
    var labels: [String] { get }
}
