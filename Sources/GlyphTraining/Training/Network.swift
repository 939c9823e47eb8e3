import Foundation

/// A sequential CNN with forward and backward passes over NCHW mini-batches.
///
/// Not thread-safe: it owns its activation and gradient buffers, which are reused
/// across batches so that the training loop does not allocate.
public final class Network {
    public let inputShape: SampleShape
    let layers: [NetworkLayer]
    /// The dropout layers that exist only in training, by index in `layers`.
    private let trainingOnly: Set<Int>
    private let activations: [FloatBuffer]
    private let gradients: [FloatBuffer]
    private let logitGradient = FloatBuffer()
    private var batchSize = 0

    /// A freshly initialised network: He-normal weights, zero biases, drawn from `rng`.
    public convenience init(architecture: NetworkArchitecture, rng: inout SeededRandom) throws {
        let shapes = try architecture.shapes()
        var layers: [NetworkLayer] = []
        var trainingOnly = Set<Int>()
        var shape = architecture.input
        for (index, spec) in architecture.layers.enumerated() {
            switch spec {
            case let .convolution(outputChannels, kernel, stride, padding):
                let fanIn = shape.channels * kernel * kernel
                let weights = Network.heNormal(count: outputChannels * fanIn, fanIn: fanIn, rng: &rng)
                layers.append(ConvolutionLayer(input: shape, outputChannels: outputChannels, kernel: kernel,
                                               stride: stride, padding: padding, weights: weights,
                                               bias: [Float](repeating: 0, count: outputChannels)))
            case .relu:
                layers.append(ReLULayer(input: shape))
            case let .maxPool(size, stride):
                layers.append(MaxPoolLayer(input: shape, size: size, stride: stride))
            case .flatten:
                layers.append(FlattenLayer(input: shape))
            case .dense(let outputs):
                let weights = Network.heNormal(count: shape.count * outputs, fanIn: shape.count, rng: &rng)
                layers.append(DenseLayer(input: shape, outputs: outputs, weights: weights,
                                         bias: [Float](repeating: 0, count: outputs)))
            case .dropout(let rate):
                layers.append(DropoutLayer(input: shape, rate: rate))
                trainingOnly.insert(index)
            }
            shape = shapes[index]
        }
        self.init(input: architecture.input, layers: layers, trainingOnly: trainingOnly)
    }

    /// An inference network rebuilt from exported weights.
    public convenience init(model: TrainedModel) throws {
        var layers: [NetworkLayer] = []
        var shape = model.inputShape
        for (index, exported) in model.layers.enumerated() {
            let at = "layer \(index) (\(exported.onnxOperator))"
            switch exported {
            case .convolution(let c):
                guard c.weightShape.count == 4, c.kernelShape.count == 2, c.strides.count == 2, c.pads.count == 4,
                      c.weightShape[1] == shape.channels, c.weightShape[2] == c.kernelShape[0],
                      c.weightShape[3] == c.kernelShape[1], c.kernelShape[0] == c.kernelShape[1],
                      c.strides[0] == c.strides[1], Set(c.pads).count == 1, c.group == 1,
                      c.weight.count == c.weightShape.reduce(1, *), c.bias.count == c.weightShape[0] else {
                    throw TrainingError.invalidModel("\(at): unsupported or inconsistent convolution")
                }
                let layer = ConvolutionLayer(input: shape, outputChannels: c.weightShape[0], kernel: c.kernelShape[0],
                                             stride: c.strides[0], padding: c.pads[0], weights: c.weight, bias: c.bias)
                guard layer.outputShape.height > 0, layer.outputShape.width > 0 else {
                    throw TrainingError.invalidModel("\(at): kernel larger than input \(shape)")
                }
                layers.append(layer)
            case .relu:
                layers.append(ReLULayer(input: shape))
            case .maxPool(let p):
                guard p.kernelShape.count == 2, p.kernelShape[0] == p.kernelShape[1], p.strides.count == 2,
                      p.strides[0] == p.strides[1], p.pads.allSatisfy({ $0 == 0 }),
                      p.kernelShape[0] > 0, p.strides[0] > 0,
                      shape.height >= p.kernelShape[0], shape.width >= p.kernelShape[0] else {
                    throw TrainingError.invalidModel("\(at): unsupported pooling")
                }
                layers.append(MaxPoolLayer(input: shape, size: p.kernelShape[0], stride: p.strides[0]))
            case .flatten:
                layers.append(FlattenLayer(input: shape))
            case .gemm(let g):
                guard !g.transB, g.alpha == 1, g.beta == 1, g.weightShape.count == 2, shape.isFlat,
                      g.weightShape[0] == shape.count, g.weight.count == g.weightShape[0] * g.weightShape[1],
                      g.bias.count == g.weightShape[1] else {
                    throw TrainingError.invalidModel("\(at): gemm does not match input \(shape)")
                }
                layers.append(DenseLayer(input: shape, outputs: g.weightShape[1], weights: g.weight, bias: g.bias))
            case .softmax:
                guard index == model.layers.count - 1 else {
                    throw TrainingError.invalidModel("\(at): softmax must be the last node")
                }
                continue
            }
            shape = layers[layers.count - 1].outputShape
        }
        guard shape.isFlat, shape.count == model.labels.count else {
            throw TrainingError.invalidModel("output \(shape) does not match \(model.labels.count) labels")
        }
        self.init(input: model.inputShape, layers: layers, trainingOnly: [])
    }

    private init(input: SampleShape, layers: [NetworkLayer], trainingOnly: Set<Int>) {
        inputShape = input
        self.layers = layers
        self.trainingOnly = trainingOnly
        activations = (0...layers.count).map { _ in FloatBuffer() }
        gradients = (0...layers.count).map { _ in FloatBuffer() }
    }

    /// Shape of the logits.
    public var outputShape: SampleShape { layers.last?.outputShape ?? inputShape }

    var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Total number of trainable values.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    private func shape(before index: Int) -> SampleShape {
        index == 0 ? inputShape : layers[index - 1].outputShape
    }

    private func reserve(batch: Int) {
        guard batch > batchSize else { return }
        batchSize = batch
        for i in 0...layers.count {
            activations[i].reserve(batch * shape(before: i).count)
            gradients[i].reserve(batch * shape(before: i).count)
        }
        logitGradient.reserve(batch * outputShape.count)
    }

    /// The input buffer for a batch of `batch` samples; fill it, then call `forwardFilled`.
    func inputBuffer(batch: Int) -> UnsafeMutablePointer<Float> {
        reserve(batch: batch)
        return activations[0].pointer
    }

    /// Runs the layers on the input buffer; returns the logits, valid until the next call.
    func forwardFilled(batch: Int, training: Bool, rng: inout SeededRandom) -> UnsafePointer<Float> {
        for (i, layer) in layers.enumerated() {
            layer.forward(input: activations[i].pointer, output: activations[i + 1].pointer,
                          batch: batch, training: training, rng: &rng)
        }
        return UnsafePointer(activations[layers.count].pointer)
    }

    /// Copies `batch` samples from `input` and runs the forward pass; returns the logits.
    func forward(input: UnsafePointer<Float>, batch: Int, training: Bool, rng: inout SeededRandom) -> UnsafePointer<Float> {
        inputBuffer(batch: batch).update(from: input, count: batch * inputShape.count)
        return forwardFilled(batch: batch, training: training, rng: &rng)
    }

    /// Mean softmax cross-entropy of the last forward pass; sets parameter gradients to its
    /// gradient (replacing earlier values). Returns the loss and the number of correct argmaxes.
    /// With `smoothing` ε the target is 1 − ε on the label plus ε spread over all classes.
    func backward(labels: UnsafeBufferPointer<Int>, smoothing: Float = 0) -> (loss: Float, correct: Int) {
        let batch = labels.count
        let classes = outputShape.count
        let logits = activations[layers.count].pointer
        let dLogits = gradients[layers.count].pointer
        var loss: Double = 0
        var correct = 0
        let scale = 1 / Float(batch)
        let spread = smoothing / Float(classes)
        for n in 0..<batch {
            let z = logits + n * classes
            let dz = dLogits + n * classes
            var top = z[0], best = 0
            for j in 1..<classes where z[j] > top {
                top = z[j]
                best = j
            }
            var sum: Float = 0
            for j in 0..<classes {
                dz[j] = expf(z[j] - top)
                sum += dz[j]
            }
            let label = labels[n]
            if best == label { correct += 1 }
            var targetDotLogits = (1 - smoothing) * (z[label] - top)
            if smoothing > 0 {
                for j in 0..<classes { targetDotLogits += spread * (z[j] - top) }
            }
            loss += Double(logf(sum) - targetDotLogits)
            let inv = scale / sum
            for j in 0..<classes { dz[j] = dz[j] * inv - spread * scale }
            dz[label] -= (1 - smoothing) * scale
        }
        for p in parameters { p.gradient.zero(p.count) }
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            layers[i].backward(input: activations[i].pointer, output: activations[i + 1].pointer,
                               gradOutput: gradients[i + 1].pointer,
                               gradInput: i == 0 ? nil : gradients[i].pointer, batch: batch)
        }
        return (Float(loss / Double(batch)), correct)
    }

    /// Loss and gradients for one batch; `labels` must be in 0..<classes.
    func lossAndGradients(input: [Float], labels: [Int], training: Bool = false, seed: UInt64 = 0,
                          smoothing: Float = 0) -> Float {
        var rng = SeededRandom(seed: seed)
        let batch = labels.count
        input.withUnsafeBufferPointer { x in
            if let base = x.baseAddress {
                _ = forward(input: base, batch: batch, training: training, rng: &rng)
            }
        }
        return labels.withUnsafeBufferPointer { backward(labels: $0, smoothing: smoothing).loss }
    }

    /// The weights as an exported model (dropout removed, softmax appended).
    public func export(labels: [String], metadata: [String: String] = [:]) -> TrainedModel {
        var exported: [ExportedLayer] = []
        for (index, layer) in layers.enumerated() where !trainingOnly.contains(index) {
            switch layer {
            case let conv as ConvolutionLayer:
                let inC = conv.inputShape.channels, k = conv.kernel, p = conv.padding, s = conv.stride
                exported.append(.convolution(ConvolutionWeights(
                    weight: conv.weight.values, weightShape: [conv.outputShape.channels, inC, k, k],
                    bias: conv.bias.values, kernelShape: [k, k], strides: [s, s], pads: [p, p, p, p],
                    dilations: [1, 1], group: 1)))
            case is ReLULayer:
                exported.append(.relu)
            case let pool as MaxPoolLayer:
                exported.append(.maxPool(PoolAttributes(kernelShape: [pool.size, pool.size],
                                                        strides: [pool.stride, pool.stride], pads: [0, 0, 0, 0])))
            case is FlattenLayer:
                exported.append(.flatten)
            case let dense as DenseLayer:
                exported.append(.gemm(GemmWeights(
                    weight: dense.weight.values, weightShape: [dense.inputShape.count, dense.outputShape.count],
                    bias: dense.bias.values, transB: false, alpha: 1, beta: 1)))
            default:
                continue
            }
        }
        exported.append(.softmax(axis: 1))
        return TrainedModel(inputShape: inputShape, layers: exported, labels: labels, metadata: metadata)
    }

    private static func heNormal(count: Int, fanIn: Int, rng: inout SeededRandom) -> [Float] {
        let std = (2 / Float(max(fanIn, 1))).squareRoot()
        return (0..<count).map { _ in rng.nextGaussian() * std }
    }
}

/// Adam with optional decoupled weight decay (AdamW) on weights, not biases.
struct AdamOptimizer {
    var learningRate: Float
    var beta1: Float
    var beta2: Float
    var epsilon: Float
    var weightDecay: Float
    private(set) var step = 0

    init(learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    mutating func update(_ parameters: [Parameter]) {
        step += 1
        let correction1 = 1 - powf(beta1, Float(step))
        let correction2 = 1 - powf(beta2, Float(step))
        let stepSize = learningRate / correction1
        let b1 = beta1, b2 = beta2, eps = epsilon
        for p in parameters {
            let w = p.value.pointer, g = p.gradient.pointer
            let m = p.firstMoment.pointer, v = p.secondMoment.pointer
            let decay = p.decays ? learningRate * weightDecay : 0
            for i in 0..<p.count {
                let grad = g[i]
                m[i] = b1 * m[i] + (1 - b1) * grad
                v[i] = b2 * v[i] + (1 - b2) * grad * grad
                let denom = (v[i] / correction2).squareRoot() + eps
                w[i] -= stepSize * m[i] / denom + decay * w[i]
            }
        }
    }
}
