/// One step of a sequential network, as declared before training.
public enum LayerSpec: Sendable, Hashable, Codable {
    /// 2-D convolution with a square kernel, symmetric zero padding, bias.
    case convolution(outputChannels: Int, kernel: Int, stride: Int, padding: Int)
    case relu
    /// Max pooling with a square window, no padding; partial windows are dropped.
    case maxPool(size: Int, stride: Int)
    case flatten
    /// Fully connected layer; its input must be flat (follow `flatten` or another `dense`).
    case dense(outputs: Int)
    /// Inverted dropout; training only, absent from the exported model.
    case dropout(rate: Float)
}

/// A sequential CNN: input shape plus layers, ending in class logits (softmax is implied).
public struct NetworkArchitecture: Sendable, Hashable, Codable {
    public var input: SampleShape
    public var layers: [LayerSpec]

    public init(input: SampleShape, layers: [LayerSpec]) {
        self.input = input
        self.layers = layers
    }

    /// The letter classifier: conv(16) → pool → conv(32) → pool → dense(128) → dropout → dense(classes).
    public static func letterCNN(
        classes: Int = 26, side: Int = 28,
        conv1: Int = 16, conv2: Int = 32, hidden: Int = 128, dropout: Float = 0.25
    ) -> NetworkArchitecture {
        NetworkArchitecture(
            input: SampleShape(channels: 1, height: side, width: side),
            layers: [
                .convolution(outputChannels: conv1, kernel: 3, stride: 1, padding: 1), .relu,
                .maxPool(size: 2, stride: 2),
                .convolution(outputChannels: conv2, kernel: 3, stride: 1, padding: 1), .relu,
                .maxPool(size: 2, stride: 2),
                .flatten,
                .dense(outputs: hidden), .relu, .dropout(rate: dropout),
                .dense(outputs: classes),
            ])
    }

    /// Output shape of every layer, in order; throws on an impossible configuration.
    public func shapes() throws -> [SampleShape] {
        guard input.count > 0, input.channels > 0 else {
            throw TrainingError.invalidArchitecture("empty input shape \(input)")
        }
        var shape = input
        var result: [SampleShape] = []
        for (index, layer) in layers.enumerated() {
            let at = "layer \(index) (\(layer))"
            switch layer {
            case let .convolution(outputChannels, kernel, stride, padding):
                guard outputChannels > 0, kernel > 0, stride > 0, padding >= 0, padding < kernel else {
                    throw TrainingError.invalidArchitecture("\(at): bad convolution hyperparameters")
                }
                guard shape.height + 2 * padding >= kernel, shape.width + 2 * padding >= kernel else {
                    throw TrainingError.invalidArchitecture("\(at): kernel larger than input \(shape)")
                }
                shape = SampleShape(channels: outputChannels,
                                    height: (shape.height + 2 * padding - kernel) / stride + 1,
                                    width: (shape.width + 2 * padding - kernel) / stride + 1)
            case .relu, .dropout:
                if case .dropout(let rate) = layer, !(rate >= 0 && rate < 1) {
                    throw TrainingError.invalidArchitecture("\(at): dropout rate must be in [0, 1)")
                }
            case let .maxPool(size, stride):
                guard size > 0, stride > 0, shape.height >= size, shape.width >= size else {
                    throw TrainingError.invalidArchitecture("\(at): pool window does not fit \(shape)")
                }
                shape = SampleShape(channels: shape.channels,
                                    height: (shape.height - size) / stride + 1,
                                    width: (shape.width - size) / stride + 1)
            case .flatten:
                shape = .flat(shape.count)
            case .dense(let outputs):
                guard shape.isFlat else {
                    throw TrainingError.invalidArchitecture("\(at): dense input \(shape) is not flat; add .flatten")
                }
                guard outputs > 0 else { throw TrainingError.invalidArchitecture("\(at): no outputs") }
                shape = .flat(outputs)
            }
            result.append(shape)
        }
        guard shape.isFlat, shape.count > 1 else {
            throw TrainingError.invalidArchitecture("the last layer must produce flat logits, got \(shape)")
        }
        return result
    }

    /// Number of classes the logits cover.
    public func classCount() throws -> Int {
        try shapes().last.map(\.count) ?? 0
    }
}
