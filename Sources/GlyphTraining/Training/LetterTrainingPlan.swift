import Foundation
import GlyphModel
import GlyphPipeline
import ONNXRuntime

/// What `glyphprep train` does, as a value: the letters to render and the extra data to add,
/// the network and how to train it, then either leave-one-writer-out folds or one model (or
/// ensemble) scored on held-out writers and written as ONNX. `run` reports through `log`.
public struct LetterTrainingPlan: Sendable {
    /// The pipeline YAML the model's inputs go through (its classify stage is ignored).
    public var pipelineFile: String
    /// Letters (a–z), letters and `not_a_letter`, or digits (0–9 and `not_a_digit`).
    public var classes: TrainingClasses = .letters
    /// With a rejection class: renderings of each negative example of every writer (its
    /// letters, for digits; its digits, for letters).
    public var rejectionVariants = 3
    /// With a rejection class: characters never used as negative examples, because they are
    /// drawn like one of the classes (nil: the class set's `defaultLookalikes`).
    public var lookalikes: Set<Character>?
    /// With a rejection class: scribbles and smudges rendered as negative examples (always trained on).
    public var scribbles = 0
    /// With `.lettersOrNot`: renderings of each font's symbols (`TrainingClasses.fontSymbols`)
    /// as negative examples (always trained on).
    public var symbolVariants = 0
    /// The accuracy the answered held-out scans must reach for the reported threshold (nil:
    /// `CalibrationSummary.defaultTarget(for:)`).
    public var calibrationTarget: Double?
    /// Calibration stored in the model: the temperature its logits are divided by and the
    /// probability below which classify abstains (from a cross-validation run's report).
    public var temperature: Double?
    public var threshold: Double?
    /// Subtracted from the rejection class's logit before the temperature (from the same report).
    public var rejectionBias: Double?
    /// With a rejection class: the most negative examples the fitted rejection bias may let
    /// through at the threshold (cross-validation report).
    public var maxRejectsAnswered = CalibrationSummary.defaultMaxRejectsAnswered
    /// Directory of UNIPEN stroke files named …-wNN; nil trains on the extra data alone.
    public var strokes: String?
    /// Writers of `strokes` to use (nil: all).
    public var writers: [String]?
    /// Writers left out of training and used for validation and scoring.
    public var holdout: [String] = []
    /// Renderings per stroke sample.
    public var variants = 16
    public var epochs = 10
    public var augmentation: AugmentationConfiguration? = LetterModelTraining.defaultAugmentation
    /// Seed of rendering and training.
    public var seed: UInt64 = 1
    /// Long side of rendered scans, in pixels.
    public var sizeRange = 300...900
    /// EMNIST Letters IDX images and labels added to the training data.
    public var emnist: (images: String, labels: String)?
    /// Labelled folders added to the training data.
    public var folders: [String] = []
    /// Hershey (.jhf) and outline (TrueType/OpenType) fonts rendered like writers and always trained on.
    public var strokeFonts: [String] = []
    public var outlineFonts: [String] = []
    /// Leave-one-writer-out cross-validation instead of training one model.
    public var crossValidation = false
    /// With `crossValidation`: the writers to hold out, one fold each (nil: every writer).
    public var foldWriters: [String]?
    /// With `crossValidation`: a second pipeline the held-out scans are also scored through.
    public var comparisonFile: String?
    /// The renderers the held-out writers (folds or `holdout`) are scored on; `scan` always
    /// is (it is what the models train on), `photo` adds the second renderer's photos.
    public var evaluationRenderers: [ScanRendererKind] = [.scan]
    public var architecture: NetworkArchitecture = .letterCNN()
    public var labelSmoothing: Float = 0
    /// Models trained per fold or for the output, with training seeds `seed`, `seed + 1`, ….
    public var ensembleSize = 1
    /// Renderer effects switched off one at a time when scoring the held-out writers.
    public var ablations: [ScanAblation] = []
    /// Renderings per held-out letter sample for each ablation.
    public var ablationVariants = 8
    /// A file keeping the rendered images between runs.
    public var cache: String?
    /// Threads for rendering, concurrent folds and ensemble members (results do not depend on it).
    public var jobs = 2
    /// The ONNX file to write (nothing is written without one).
    public var output: String?

    public init(pipelineFile: String) {
        self.pipelineFile = pipelineFile
    }

    /// What a run produced: the folds' results with `crossValidation`, else the trained models.
    public struct Outcome: Sendable {
        public var folds: [FoldResult] = []
        public var models: [TrainedModel] = []
    }

    /// Renders, trains, scores and writes as planned, reporting progress and results through `log`
    /// (called from several threads at once).
    public func run(log: @escaping @Sendable (String) -> Void) throws -> Outcome {
        let started = Date()
        let training = try Self.loadPipeline(pipelineFile)
        var renderer = LetterDataRenderer(variants: variants, seed: seed, sizeRange: sizeRange, jobs: jobs)
        renderer.classes = classes
        renderer.lookalikes = lookalikes
        let extra = try extraData(pipeline: training.pipeline, renderer: renderer, log: log)
        let letters = try strokes.map { try strokeCorpus(from: $0, training: training, renderer: renderer, log: log) }
        var trainer = LetterModelTraining(
            architecture: architecture,
            configuration: LetterModelTraining.defaultConfiguration(
                epochs: epochs, seed: seed, augmentation: augmentation, labelSmoothing: labelSmoothing),
            extra: extra.images, ensembleSize: ensembleSize)
        trainer.labels = classes.labels

        if crossValidation, let corpus = letters?.corpus {
            let results = try trainer.crossValidate(corpus: corpus, heldOut: foldWriters, jobs: jobs, log: log)
            for line in foldReport(results) + calibrationReport(results) { log(line) }
            log(String(format: "total %.0f s", Date().timeIntervalSince(started)))
            return Outcome(folds: results)
        }

        let corpus = letters?.corpus
        let trainWriters = corpus?.writers.filter { !holdout.contains($0) } ?? []
        if let corpus, let missing = holdout.first(where: { !corpus.writers.contains($0) }) {
            throw LetterTrainingPlanError.unknownHoldout(writer: missing, writers: corpus.writers)
        }
        let models = try trainModels(trainer, corpus: corpus, trainWriters: trainWriters, log: log)
        if let corpus {
            for line in try heldOutReport(models, corpus: corpus) { log(line) }
        }
        let heldOutSamples = (letters?.samples ?? []).filter { holdout.contains($0.writer) }
        for effect in ablations {
            let score = try LetterModelTraining.scoreAblation(
                effect, models: models, samples: heldOutSamples, renderer: renderer, variants: ablationVariants,
                pipeline: training.pipeline)
            for line in score.lines { log(line) }
        }
        guard let output else { return Outcome(models: models) }
        var metadata = [
            ONNXClassifier.MetadataKey.pipeline: training.text,
            TrainedModel.ONNXMetadataKey.training: modelDescription(
                sources: extra.sources, trainWriters: trainWriters, pipelineName: training.pipeline.name),
        ]
        metadata[ONNXClassifier.MetadataKey.rejection] = classes.rejectionLabel
        for (key, value) in Self.calibrationMetadata(temperature: temperature, threshold: threshold,
                                                                 rejectionBias: rejectionBias) { metadata[key] = value }
        try TrainedModel.writeEnsembleONNX(models, to: output, metadata: metadata)
        log(String(format: "wrote %@ (%d parameters) in %.0f s total", output,
                   models.map(\.parameterCount).reduce(0, +), Date().timeIntervalSince(started)))
        return Outcome(models: models)
    }

    /// The ensemble: on the corpus's training writers (validated on the held-out ones) when there
    /// is a corpus, else member after member on the extra data alone.
    func trainModels(_ trainer: LetterModelTraining, corpus: LetterCorpus?, trainWriters: [String],
                     log: @escaping @Sendable (String) -> Void) throws -> [TrainedModel] {
        if let corpus {
            return try trainer.trainEnsemble(corpus: corpus, trainWriters: trainWriters, validationWriters: holdout,
                                             jobs: jobs) { member, report in
                log(epochLine(report, member: ensembleSize > 1 ? member : nil))
            }
        }
        let data = try trainer.extra ?? LabeledImages(shape: SampleShape(channels: 1, height: 28, width: 28))
        return try (0..<ensembleSize).map { member in
            var configuration = trainer.configuration
            configuration.seed = seed &+ UInt64(member)
            return try Trainer(architecture: architecture, configuration: configuration)
                .train(on: data, labels: classes.labels) { log(epochLine($0, member: nil)) }
        }
    }

    /// The text stored as the model's `glyphprep.training` metadata.
    func modelDescription(sources: [String], trainWriters: [String], pipelineName: String) -> String {
        var sources = sources
        if !trainWriters.isEmpty {
            sources.insert("UJI Pen Characters \(classes == .digits ? "digits " : "")scans, \(variants) variants/sample, "
                           + "\(sizeRange.lowerBound)-\(sizeRange.upperBound) px, writers \(trainWriters.joined(separator: ","))",
                           at: 0)
        }
        if classes == .lettersOrNot, rejectionVariants > 0, !trainWriters.isEmpty {
            let skipped = String((lookalikes ?? classes.defaultLookalikes).sorted())
            sources.insert("\(TrainingClasses.notALetter): the writers' digits but \(skipped), \(rejectionVariants) variants/sample",
                           at: 1)
        }
        return sources.joined(separator: " + ")
            + "; pipeline \(pipelineName); seed \(seed); epochs \(epochs)"
            + (labelSmoothing > 0 ? "; label smoothing \(labelSmoothing)" : "")
            + (ensembleSize > 1 ? "; ensemble of \(ensembleSize) (training seeds \(seed)…\(seed + UInt64(ensembleSize - 1)))" : "")
            + (holdout.isEmpty ? "" : "; held out \(holdout.joined(separator: ","))")
    }

    /// The metadata entries a model's calibration is stored in (nil values: none).
    public static func calibrationMetadata(temperature: Double?, threshold: Double?,
                                           rejectionBias: Double? = nil) -> [String: String?] {
        [ONNXClassifier.MetadataKey.temperature: temperature.map { String(format: "%.4f", $0) },
         ONNXClassifier.MetadataKey.threshold: threshold.map { String(format: "%.2f", $0) },
         ONNXClassifier.MetadataKey.rejectionBias: rejectionBias.flatMap { $0 == 0 ? nil : String(format: "%.2f", $0) }]
    }

    /// The bytes of a trained `.onnx` file with its calibration replaced: the same bytes as
    /// training it with `temperature` and `threshold` (e.g. from a later cross-validation).
    public static func recalibrated(_ model: Data, temperature: Double?, threshold: Double?,
                                    rejectionBias: Double? = nil) throws -> Data {
        try ONNXModel.replacingMetadata(in: model, with: calibrationMetadata(temperature: temperature, threshold: threshold,
                                                                            rejectionBias: rejectionBias))
    }

    /// A pipeline for training (its classify stage removed).
    static func loadPipeline(_ path: String) throws -> TrainingPipeline {
        do {
            return try TrainingPipeline(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw LetterTrainingPlanError.unreadablePipeline("\(error)")
        }
    }
}

/// A plan that cannot run as given, as opposed to a failure while rendering or training.
public enum LetterTrainingPlanError: Error, Equatable {
    /// A pipeline file that cannot be read or parsed, with the reason.
    case unreadablePipeline(String)
    /// A held-out writer the stroke files do not have.
    case unknownHoldout(writer: String, writers: [String])
}
