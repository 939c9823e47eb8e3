import ONNXRuntime

/// Hyperparameters of a training run. The same configuration, architecture and data give
/// bit-identical weights (training runs with single-threaded BLAS).
public struct TrainingConfiguration: Sendable, Hashable, Codable {
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// Decoupled (AdamW) weight decay on weights; 0 disables it.
    public var weightDecay: Float
    public var seed: UInt64
    /// Jitter for each presentation; nil trains on the images as they are.
    public var augmentation: AugmentationConfiguration?
    /// Images shown per epoch, drawn as repeated shuffled passes; nil means one pass.
    public var presentationsPerEpoch: Int?
    /// The learning rate is multiplied by this after every epoch (1 keeps it constant).
    public var learningRateDecayPerEpoch: Float
    /// Label smoothing ε: the training target puts 1 − ε on the label and spreads ε over all
    /// classes (0 = plain one-hot cross-entropy).
    public var labelSmoothing: Float

    public init(epochs: Int = 10, batchSize: Int = 64, learningRate: Float = 1e-3, beta1: Float = 0.9,
                beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0, seed: UInt64 = 1,
                augmentation: AugmentationConfiguration? = nil, presentationsPerEpoch: Int? = nil,
                learningRateDecayPerEpoch: Float = 1, labelSmoothing: Float = 0) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.seed = seed
        self.augmentation = augmentation
        self.presentationsPerEpoch = presentationsPerEpoch
        self.learningRateDecayPerEpoch = learningRateDecayPerEpoch
        self.labelSmoothing = labelSmoothing
    }

    func validate() throws {
        guard epochs >= 0, batchSize > 0, learningRate > 0, beta1 >= 0, beta1 < 1, beta2 >= 0, beta2 < 1,
              epsilon > 0, weightDecay >= 0, (presentationsPerEpoch ?? 1) > 0,
              learningRateDecayPerEpoch > 0, learningRateDecayPerEpoch <= 1,
              labelSmoothing >= 0, labelSmoothing < 1 else {
            throw TrainingError.invalidConfiguration("out-of-range hyperparameter in \(self)")
        }
        try augmentation?.validate()
    }
}

/// Statistics of one finished epoch (on the augmented training presentations, with dropout).
public struct EpochReport: Sendable, Hashable {
    public var epoch: Int
    public var meanLoss: Float
    public var accuracy: Double
    public var presentations: Int
    public var seconds: Double
    /// Learning rate used during this epoch.
    public var learningRate: Float
    /// Accuracy on the validation set after this epoch (no augmentation, no dropout), if one was given.
    public var validationAccuracy: Double?

    public var imagesPerSecond: Double { seconds > 0 ? Double(presentations) / seconds : 0 }
}

/// Mini-batch Adam training of a `NetworkArchitecture` on `LabeledImages`.
public struct Trainer: Sendable {
    public var architecture: NetworkArchitecture
    public var configuration: TrainingConfiguration

    public init(architecture: NetworkArchitecture, configuration: TrainingConfiguration) {
        self.architecture = architecture
        self.configuration = configuration
    }

    /// Trains from a seeded initialisation and returns the exported model. `labels[i]`
    /// names class i; `validation`, if given, is scored after each epoch; `progress` is
    /// called after each epoch.
    public func train(
        on data: LabeledImages, validation: LabeledImages? = nil, labels: [String],
        metadata: [String: String] = [:], progress: (EpochReport) -> Void = { _ in }
    ) throws -> TrainedModel {
        try configuration.validate()
        let classes = try architecture.classCount()
        guard data.shape == architecture.input else {
            throw TrainingError.invalidData("images are \(data.shape), the network expects \(architecture.input)")
        }
        guard labels.count == classes else {
            throw TrainingError.invalidData("\(labels.count) label names for \(classes) classes")
        }
        guard data.count > 0 else { throw TrainingError.invalidData("no training images") }
        for set in [data, validation].compactMap({ $0 }) {
            guard set.shape == architecture.input else {
                throw TrainingError.invalidData("images are \(set.shape), expected \(architecture.input)")
            }
            if let bad = set.labels.first(where: { $0 < 0 || $0 >= classes }) {
                throw TrainingError.invalidData("label \(bad) outside 0..<\(classes)")
            }
        }

        BLAS.useSingleThread()
        var rng = SeededRandom(seed: configuration.seed)
        var initRng = rng.fork()
        let network = try Network(architecture: architecture, rng: &initRng)
        var optimizer = AdamOptimizer(
            learningRate: configuration.learningRate, beta1: configuration.beta1, beta2: configuration.beta2,
            epsilon: configuration.epsilon, weightDecay: configuration.weightDecay)
        let augmenter = configuration.augmentation.map { Augmenter(configuration: $0, shape: data.shape) }
        let size = data.shape.count
        let batchSize = configuration.batchSize
        var batchLabels = [Int](repeating: 0, count: batchSize)
        var lastReport: EpochReport?
        let clock = ContinuousClock()

        try data.pixels.withUnsafeBufferPointer { pixelBuffer in
            guard let pixels = pixelBuffer.baseAddress else {
                throw TrainingError.invalidData("no pixels")
            }
            for epoch in 0..<configuration.epochs {
                let started = clock.now
                var epochRng = rng.fork()
                let order = presentationOrder(count: data.count, rng: &epochRng)
                var lossSum: Double = 0
                var correct = 0
                var start = 0
                while start < order.count {
                    let n = min(batchSize, order.count - start)
                    let input = network.inputBuffer(batch: n)
                    for i in 0..<n {
                        let index = order[start + i]
                        batchLabels[i] = data.labels[index]
                        if let augmenter {
                            augmenter.apply(source: pixels + index * size, destination: input + i * size, rng: &epochRng)
                        } else {
                            (input + i * size).update(from: pixels + index * size, count: size)
                        }
                    }
                    _ = network.forwardFilled(batch: n, training: true, rng: &epochRng)
                    let result = batchLabels.withUnsafeBufferPointer {
                        network.backward(labels: UnsafeBufferPointer(rebasing: $0[0..<n]),
                                         smoothing: configuration.labelSmoothing)
                    }
                    optimizer.update(network.parameters)
                    lossSum += Double(result.loss) * Double(n)
                    correct += result.correct
                    start += n
                }
                let validationAccuracy = validation.map { Self.accuracy(of: network, on: $0) }
                let elapsed = clock.now - started
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                let report = EpochReport(
                    epoch: epoch + 1, meanLoss: Float(lossSum / Double(order.count)),
                    accuracy: Double(correct) / Double(order.count), presentations: order.count, seconds: seconds,
                    learningRate: optimizer.learningRate, validationAccuracy: validationAccuracy)
                lastReport = report
                progress(report)
                optimizer.learningRate *= configuration.learningRateDecayPerEpoch
            }
        }

        var info = metadata
        info["glyphprep.seed"] = String(configuration.seed)
        info["glyphprep.epochs"] = String(configuration.epochs)
        info["glyphprep.train_images"] = String(data.count)
        info["glyphprep.batch_size"] = String(configuration.batchSize)
        info["glyphprep.learning_rate"] = String(configuration.learningRate)
        if let a = configuration.augmentation {
            info["glyphprep.augmentation"] = "shift \(a.maxShift) px, rotation \(a.maxRotationDegrees) deg, "
                + "scale \(a.minScale)-\(a.maxScale), elastic \(a.elasticAlpha), p \(a.probability)"
        } else {
            info["glyphprep.augmentation"] = "none"
        }
        if let lastReport {
            info["glyphprep.final_train_loss"] = String(lastReport.meanLoss)
            if let accuracy = lastReport.validationAccuracy {
                info["glyphprep.validation_accuracy"] = String(accuracy)
            }
        }
        return network.export(labels: labels, metadata: info)
    }

    private static func accuracy(of network: Network, on images: LabeledImages) -> Double {
        guard images.count > 0 else { return 0 }
        let size = images.shape.count, classes = network.outputShape.count
        var rng = SeededRandom(seed: 0)
        var correct = 0
        images.pixels.withUnsafeBufferPointer { pixels in
            guard let base = pixels.baseAddress else { return }
            var start = 0
            while start < images.count {
                let n = min(256, images.count - start)
                let logits = network.forward(input: base + start * size, batch: n, training: false, rng: &rng)
                for i in 0..<n {
                    let row = logits + i * classes
                    var best = 0
                    for j in 1..<classes where row[j] > row[best] { best = j }
                    if best == images.labels[start + i] { correct += 1 }
                }
                start += n
            }
        }
        return Double(correct) / Double(images.count)
    }

    private func presentationOrder(count: Int, rng: inout SeededRandom) -> [Int] {
        let total = configuration.presentationsPerEpoch ?? count
        var order: [Int] = []
        order.reserveCapacity(total + count)
        while order.count < total {
            var pass = Array(0..<count)
            rng.shuffle(&pass)
            order.append(contentsOf: pass)
        }
        return Array(order.prefix(total))
    }
}
