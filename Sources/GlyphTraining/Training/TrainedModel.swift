import Foundation
import GlyphModel

/// Convolution parameters in ONNX `Conv` layout and attribute names.
public struct ConvolutionWeights: Sendable, Hashable, Codable {
    /// ONNX input `W`, row-major with shape `weightShape` = [out, in, kh, kw].
    public var weight: [Float]
    public var weightShape: [Int]
    /// ONNX input `B`, shape [out].
    public var bias: [Float]
    /// ONNX attribute `kernel_shape` = [kh, kw].
    public var kernelShape: [Int]
    /// ONNX attribute `strides` = [sh, sw].
    public var strides: [Int]
    /// ONNX attribute `pads` = [top, left, bottom, right].
    public var pads: [Int]
    /// ONNX attribute `dilations`; always [1, 1].
    public var dilations: [Int]
    /// ONNX attribute `group`; always 1.
    public var group: Int

    public var outputChannels: Int { weightShape.first ?? 0 }
    public var inputChannels: Int { weightShape.count > 1 ? weightShape[1] : 0 }
}

/// Fully connected parameters in ONNX `Gemm` layout: Y = A · B + C, with `transB` = 0.
public struct GemmWeights: Sendable, Hashable, Codable {
    /// ONNX input `B`, row-major with shape `weightShape` = [in, out] (not transposed).
    public var weight: [Float]
    public var weightShape: [Int]
    /// ONNX input `C`, shape [out].
    public var bias: [Float]
    /// ONNX attribute `transB`; always false, `weight` is already [in, out].
    public var transB: Bool
    public var alpha: Float
    public var beta: Float

    public var inputs: Int { weightShape.first ?? 0 }
    public var outputs: Int { weightShape.count > 1 ? weightShape[1] : 0 }
}

/// Pooling attributes in ONNX `MaxPool` naming.
public struct PoolAttributes: Sendable, Hashable, Codable {
    /// [kh, kw]
    public var kernelShape: [Int]
    /// [sh, sw]
    public var strides: [Int]
    /// [top, left, bottom, right]; always zeros.
    public var pads: [Int]
}

/// One inference node, mapping 1:1 to an ONNX operator (Conv, Relu, MaxPool, Flatten(axis 1),
/// Gemm, Softmax(axis 1)). Dropout is training-only and never appears here.
public enum ExportedLayer: Sendable, Hashable, Codable {
    case convolution(ConvolutionWeights)
    case relu
    case maxPool(PoolAttributes)
    /// ONNX `Flatten` with axis = 1: [N, C, H, W] → [N, C·H·W].
    case flatten
    case gemm(GemmWeights)
    /// ONNX `Softmax` over `axis` (always 1): turns logits into probabilities.
    case softmax(axis: Int)

    /// ONNX operator type for this node.
    public var onnxOperator: String {
        switch self {
        case .convolution: "Conv"
        case .relu: "Relu"
        case .maxPool: "MaxPool"
        case .flatten: "Flatten"
        case .gemm: "Gemm"
        case .softmax: "Softmax"
        }
    }
}

/// A trained classifier in neutral form for ONNX export and for in-process prediction.
///
/// Graph: input `float[N, C, H, W]` (`inputShape`, pixels in 0…1, ink bright on dark like
/// EMNIST) → `layers` in order → `float[N, labels.count]` probabilities. Output index i is
/// `labels[i]`.
public struct TrainedModel: Sendable, Hashable, Codable {
    public var inputShape: SampleShape
    public var layers: [ExportedLayer]
    public var labels: [String]
    /// Free-form provenance (seed, epochs, data set, accuracy…), e.g. for ONNX `metadata_props`.
    public var metadata: [String: String]

    public init(inputShape: SampleShape, layers: [ExportedLayer], labels: [String], metadata: [String: String] = [:]) {
        self.inputShape = inputShape
        self.layers = layers
        self.labels = labels
        self.metadata = metadata
    }

    /// Class probabilities for `batch`, a flat NCHW array of `k · inputShape.count` values.
    public func predict(_ batch: [Float]) throws -> [[Float]] {
        let size = inputShape.count
        guard size > 0, batch.count % size == 0 else {
            throw TrainingError.invalidData("batch of \(batch.count) values is not a multiple of \(inputShape)")
        }
        let count = batch.count / size
        guard count > 0 else { return [] }
        let network = try Network(model: self)
        let classes = network.outputShape.count
        var result: [[Float]] = []
        result.reserveCapacity(count)
        let chunk = 256
        var rng = SeededRandom(seed: 0)
        try batch.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else { return }
            var start = 0
            while start < count {
                let n = min(chunk, count - start)
                let logits = network.forward(input: base + start * size, batch: n, training: false, rng: &rng)
                for i in 0..<n {
                    result.append(ONNXClassifier.softmax(Array(UnsafeBufferPointer(start: logits + i * classes, count: classes))))
                }
                start += n
            }
            if result.count != count { throw TrainingError.invalidModel("prediction count mismatch") }
        }
        return result
    }

    /// Index of the most probable class for each image of `images`.
    public func classify(_ images: LabeledImages) throws -> [Int] {
        try predict(images.pixels).map(argmax)
    }

    /// Fraction of `images` whose predicted class equals their label.
    public func accuracy(on images: LabeledImages) throws -> Double {
        guard images.count > 0 else { return 0 }
        let predicted = try classify(images)
        let correct = zip(predicted, images.labels).filter { $0 == $1 }.count
        return Double(correct) / Double(images.count)
    }

    /// counts[truth][predicted] over `images`.
    public func confusionMatrix(on images: LabeledImages) throws -> [[Int]] {
        var counts = [[Int]](repeating: [Int](repeating: 0, count: labels.count), count: labels.count)
        for (predicted, truth) in zip(try classify(images), images.labels) {
            guard labels.indices.contains(truth) else {
                throw TrainingError.invalidData("label \(truth) outside 0..<\(labels.count)")
            }
            counts[truth][predicted] += 1
        }
        return counts
    }

    /// JSON encoding (weights included), for handing the model between tools.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    public init(jsonData: Data) throws {
        self = try JSONDecoder().decode(TrainedModel.self, from: jsonData)
    }

    /// Total number of trainable values.
    public var parameterCount: Int {
        layers.reduce(0) { total, layer in
            switch layer {
            case .convolution(let c): total + c.weight.count + c.bias.count
            case .gemm(let g): total + g.weight.count + g.bias.count
            default: total
            }
        }
    }
}

func argmax(_ values: [Float]) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}
