import Foundation
import GlyphImaging

/// Trains the letter classifier on rendered UJI letters (plus optional extra data) and
/// evaluates it on held-out writers.
public struct LetterModelTraining: Sendable {
    public var architecture: NetworkArchitecture
    public var configuration: TrainingConfiguration
    /// Images added to every training set (EMNIST, labelled folders), already normalized.
    public var extra: LabeledImages?
    /// Models trained per fold (or for export), with training seeds `seed`, `seed + 1`, …; their
    /// averaged logits decide.
    public var ensembleSize: Int
    /// Class names in output order.
    public var labels: [String] = LetterDataRenderer.labels

    public init(architecture: NetworkArchitecture = .letterCNN(), configuration: TrainingConfiguration,
                extra: LabeledImages? = nil, ensembleSize: Int = 1) {
        self.architecture = architecture
        self.configuration = configuration
        self.extra = extra
        self.ensembleSize = max(1, ensembleSize)
    }

    /// `ensembleSize` models on the same data, member k trained with seed `seed + k`, `jobs`
    /// members at a time (training one is single-threaded; the members do not depend on `jobs`).
    public func trainEnsemble(
        corpus: LetterCorpus, trainWriters: [String], validationWriters: [String] = [],
        metadata: [String: String] = [:], jobs: Int = 1,
        progress: @escaping @Sendable (_ member: Int, EpochReport) -> Void = { _, _ in }
    ) throws -> [TrainedModel] {
        try Self.parallel(count: ensembleSize, jobs: jobs) { member in
            var single = self
            single.configuration.seed = configuration.seed &+ UInt64(member)
            return try single.train(corpus: corpus, trainWriters: trainWriters, validationWriters: validationWriters,
                                    metadata: metadata) { progress(member, $0) }
        }
    }

    /// Moderate jitter on top of the renderer's own variation.
    public static let defaultAugmentation = AugmentationConfiguration(
        maxShift: 1.5, maxRotationDegrees: 8, minScale: 0.9, maxScale: 1.1,
        elasticAlpha: 0.6, elasticGrid: 4, probability: 0.7)

    /// Stronger distortions (more rotation, scale, elastic warping, applied more often), for
    /// generalising to writers the training set lacks.
    public static let strongAugmentation = AugmentationConfiguration(
        maxShift: 2, maxRotationDegrees: 15, minScale: 0.8, maxScale: 1.15,
        elasticAlpha: 1.2, elasticGrid: 4, probability: 0.9)

    /// The configuration `glyphprep train` uses.
    public static func defaultConfiguration(
        epochs: Int, seed: UInt64, augmentation: AugmentationConfiguration? = defaultAugmentation,
        labelSmoothing: Float = 0
    ) -> TrainingConfiguration {
        TrainingConfiguration(epochs: epochs, batchSize: 64, learningRate: 2e-3, weightDecay: 1e-4, seed: seed,
                              augmentation: augmentation, learningRateDecayPerEpoch: 0.8, labelSmoothing: labelSmoothing)
    }

    /// Trains on the scans of `trainWriters` (+ `extra`), validating after each epoch on the scans
    /// of `validationWriters`.
    public func train(
        corpus: LetterCorpus, trainWriters: [String], validationWriters: [String] = [],
        metadata: [String: String] = [:], progress: (EpochReport) -> Void = { _ in }
    ) throws -> TrainedModel {
        var data = try corpus.trainingImages(writers: trainWriters)
        if let extra { data = try data.appending(extra) }
        let validation = validationWriters.isEmpty ? nil
            : try LabeledImages.combining(validationWriters.compactMap { corpus.scans[$0] })
        return try Trainer(architecture: architecture, configuration: configuration)
            .train(on: data, validation: validation, labels: labels, metadata: metadata,
                   progress: progress)
    }
}

extension LetterModelTraining {
    /// `ParallelMap.map` with failures reported as `TrainingError`s.
    static func parallel<Value: Sendable>(count: Int, jobs: Int, _ work: @Sendable (Int) throws -> Value) throws -> [Value] {
        do {
            return try ParallelMap.map(count: count, jobs: jobs, work)
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.invalidData("\(error)")
        }
    }
}
