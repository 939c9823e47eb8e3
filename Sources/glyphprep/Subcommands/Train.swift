import ArgumentParser
import Foundation
import GlyphImaging
import GlyphModel
import GlyphPipeline
import GlyphTraining

extension GlyphPrepCommand {
    /// `glyphprep train`: trains the letter classifier on rendered UJI strokes (and optional
    /// EMNIST / labelled folders) and exports ONNX, or cross-validates over writers.
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a letter classifier on UJI strokes rendered as scans and run through PIPELINE; write ONNX.",
            discussion: """
            Every letter sample is rendered --variants times as a realistic scan, encoded as JPEG \
            or PNG and run through PIPELINE (its classify stage is ignored), exactly as `run` \
            would process the file. With --folds, trains one model per writer on all the others \
            and reports the held-out writer's accuracy on scans, clean renderings and, with \
            --compare, the scans through a second pipeline; then the mean over folds and the \
            scan route's gap to clean renderings with a 95 % interval (paired by sample).
            """)

        @Argument(help: "The pipeline YAML file the model's inputs go through.")
        var pipeline: String

        @Option(help: "Directory of UNIPEN stroke files …-wNN (e.g. the UJI Pen Characters).")
        var strokes: String?

        @Option(help: "Comma-separated writer ids to use (default: all).")
        var writers: String?

        @Option(help: "Comma-separated writers left out of training and used for validation.")
        var holdout: String?

        @Option(help: "Renderings per stroke sample.")
        var variants = 16

        @Option(help: "Training epochs.")
        var epochs = 10

        /// How strongly training images are distorted.
        enum Augment: String, ExpressibleByArgument, CaseIterable {
            case none, moderate, strong

            var configuration: AugmentationConfiguration? {
                switch self {
                case .none: return nil
                case .moderate: return LetterModelTraining.defaultAugmentation
                case .strong: return LetterModelTraining.strongAugmentation
                }
            }
        }

        @Option(help: "Augmentation of the 28×28 training images: none, moderate or strong.")
        var augment: Augment = .moderate

        @Option(help: "Random seed (rendering and training).")
        var seed: UInt64 = 1

        @Option(help: "Smallest long side of rendered scans in pixels.")
        var minSize = 300

        @Option(help: "Largest long side of rendered scans in pixels.")
        var maxSize = 900

        @Option(help: "EMNIST Letters IDX images (.gz or raw) added to the training data.")
        var emnistImages: String?

        @Option(help: "EMNIST Letters IDX labels matching --emnist-images.")
        var emnistLabels: String?

        @Option(help: "A labelled folder (labels.csv or one subfolder per letter) added to the training data; repeatable.")
        var folder: [String] = []

        @Option(help: "A Hershey stroke font (.jhf, e.g. /usr/share/hershey-fonts/cursive.jhf) whose letters are rendered like a writer's and always trained on; repeatable.")
        var strokeFont: [String] = []

        @Option(help: "A TrueType/OpenType font (e.g. /usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf) whose letters, thinned to strokes, are rendered like a writer's and always trained on; repeatable.")
        var font: [String] = []

        @Flag(help: "Leave-one-writer-out cross-validation instead of training one model.")
        var folds = false

        @Option(help: "With --folds: comma-separated writers to hold out, one fold each (default: every writer; the others still train every fold, so folds can be run on different machines).")
        var foldWriters: String?

        @Option(help: "With --folds: a second pipeline the held-out scans are also scored through (e.g. pipelines/naive.yaml).")
        var compare: String?

        @Option(help: "First convolution's channels.")
        var conv1 = 16

        @Option(help: "Second convolution's channels.")
        var conv2 = 32

        @Option(help: "Hidden dense units.")
        var hidden = 128

        @Option(help: "Label smoothing ε: train towards 1 − ε on the true letter and ε spread over all letters.")
        var labelSmoothing: Float = 0

        @Option(help: "Models trained per fold or for the output (training seeds SEED, SEED+1, …); their averaged logits decide, and -o writes them as one ONNX graph.")
        var ensemble = 1

        @Option(help: "With --holdout: comma-separated renderer effects to switch off one at a time when scoring the held-out writers (\(ScanAblation.allCases.map(\.rawValue).joined(separator: ", "))).")
        var ablate: String?

        @Option(help: "With --ablate: renderings per held-out letter sample for each effect.")
        var ablateVariants = 8

        @Option(help: "A file to keep the rendered images in between runs (reused when pipeline, writers, variants, seed and sizes match).")
        var cache: String?

        @Option(help: "Threads for rendering, concurrent folds and ensemble members (results do not depend on it).")
        var jobs = 2

        @Option(name: .shortAndLong, help: "The ONNX file to write (required unless --folds).")
        var output: String?

        func validate() throws {
            guard variants > 0, epochs > 0 else { throw ValidationError("--variants and --epochs must be positive") }
            guard minSize >= 32, maxSize >= minSize, maxSize <= 10_000 else {
                throw ValidationError("need 32 ≤ --min-size ≤ --max-size ≤ 10000")
            }
            guard jobs >= 1 else { throw ValidationError("--jobs must be positive") }
            guard ensemble >= 1, ensemble <= 16 else { throw ValidationError("--ensemble must be 1…16") }
            guard labelSmoothing >= 0, labelSmoothing < 1 else { throw ValidationError("--label-smoothing must be in 0..<1") }
            guard ablateVariants >= 1 else { throw ValidationError("--ablate-variants must be positive") }
            if let ablate {
                guard holdout != nil, !folds else { throw ValidationError("--ablate needs --holdout (and no --folds)") }
                for name in ablate.split(separator: ",") where ScanAblation(rawValue: String(name)) == nil {
                    throw ValidationError("unknown --ablate effect '\(name)'")
                }
            }
            guard (emnistImages == nil) == (emnistLabels == nil) else {
                throw ValidationError("give --emnist-images and --emnist-labels together")
            }
            if folds {
                guard strokes != nil else { throw ValidationError("--folds needs --strokes") }
            } else {
                guard output != nil else { throw ValidationError("give the output model with -o") }
                guard strokes != nil || emnistImages != nil || !folder.isEmpty || !strokeFont.isEmpty || !font.isEmpty else {
                    throw ValidationError("give training data: --strokes, --emnist-images/--emnist-labels or --folder")
                }
            }
            guard compare == nil || folds else { throw ValidationError("--compare only applies with --folds") }
            guard foldWriters == nil || folds else { throw ValidationError("--fold-writers only applies with --folds") }
        }

        private func list(_ text: String?) -> [String]? {
            text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty } }
        }

        private func say(_ line: String) {
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }

        func run() throws {
            let started = Date()
            let training = try loadTrainingPipeline(pipeline)
            let renderer = LetterDataRenderer(variants: variants, seed: seed, sizeRange: minSize...maxSize, jobs: jobs)
            var sources: [String] = []

            var extra: LabeledImages?
            if let emnistImages, let emnistLabels {
                let images = try EMNISTLetters.load(images: URL(fileURLWithPath: emnistImages),
                                                    labels: URL(fileURLWithPath: emnistLabels))
                extra = try extra.map { try $0.appending(images) } ?? images
                sources.append("EMNIST \((emnistImages as NSString).lastPathComponent) (\(images.count))")
                say("EMNIST: \(images.count) images")
            }
            for root in folder {
                let loaded = try LabeledFolder.letterImages(root: URL(fileURLWithPath: root), pipeline: training.pipeline)
                extra = try extra.map { try $0.appending(loaded.images) } ?? loaded.images
                sources.append("folder \((root as NSString).lastPathComponent) (\(loaded.images.count))")
                say("\(root): \(loaded.images.count) images, \(loaded.failed) failed in the pipeline")
            }

            if !strokeFont.isEmpty || !font.isEmpty {
                var samples: [StrokeSample] = []
                func writer(_ path: String) -> String {
                    "font-" + ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                }
                for path in strokeFont {
                    samples += try HersheyFont.letters(from: URL(fileURLWithPath: path), writer: writer(path))
                }
                for path in font {
                    let font = try OutlineFont.letters(from: URL(fileURLWithPath: path), writer: writer(path))
                    say("font \(path): family \"\(font.family)\", \(font.samples.count) letters")
                    samples += font.samples
                }
                let fonts = try LetterCorpus.render(samples, renderer: renderer, pipeline: training.pipeline,
                                                    naive: nil, withClean: false) { say($0) }
                let images = try fonts.trainingImages(writers: fonts.writers)
                extra = try extra.map { try $0.appending(images) } ?? images
                sources.append("fonts \(fonts.writers.joined(separator: ",")) (\(images.count))")
                say("fonts: \(images.count) scans of \(fonts.writers.count) fonts")
            }

            var corpus: LetterCorpus?
            var strokeSamples: [StrokeSample] = []
            if let strokes {
                let samples = try UnipenParser.loadDirectory(URL(fileURLWithPath: strokes),
                                                             writers: list(writers).map(Set.init), lettersOnly: true)
                strokeSamples = samples
                let comparison = try compare.map { try loadTrainingPipeline($0) }
                let key = "pipeline \(SHA256.hex(training.text)); writers \(Set(samples.map(\.writer)).sorted().joined(separator: ",")); "
                    + "samples \(samples.count); variants \(variants); seed \(seed); sizes \(minSize)-\(maxSize); clean 112/0.04"
                let compareKey = "; compare " + (comparison.map { SHA256.hex($0.text) } ?? "none")
                let rendered: LetterCorpus
                if let cache, let stored = LetterCorpus.cached(at: cache, accepts: {
                    comparison == nil ? $0.hasPrefix(key + "; compare ") : $0 == key + compareKey
                }) {
                    rendered = stored
                    say("reusing the rendered images in \(cache)")
                } else {
                    rendered = try LetterCorpus.render(samples, renderer: renderer, pipeline: training.pipeline,
                                                       naive: comparison?.pipeline, withClean: folds || cache != nil) { say($0) }
                    if let cache { try rendered.store(at: cache, key: key + compareKey) }
                }
                let failures = rendered.scans.values.map(\.failures).reduce(0, +)
                let total = rendered.scans.values.map(\.count).reduce(0, +)
                say(String(format: "rendered %d scans of %d writers in %.1f s (%d failed in the pipeline)",
                           total, rendered.writers.count, rendered.seconds, failures))
                corpus = rendered
            }
            let architecture = NetworkArchitecture.letterCNN(conv1: conv1, conv2: conv2, hidden: hidden)
            let trainer = LetterModelTraining(
                architecture: architecture,
                configuration: LetterModelTraining.defaultConfiguration(
                    epochs: epochs, seed: seed,
                    augmentation: augment.configuration, labelSmoothing: labelSmoothing),
                extra: extra, ensembleSize: ensemble)

            if folds, let corpus {
                let results = try trainer.crossValidate(corpus: corpus, heldOut: list(foldWriters), jobs: jobs) { say($0) }
                say("leave-one-writer-out over \(results.count) writers, \(variants) variants, \(epochs) epochs:")
                for result in results { say(LetterModelTraining.describe(result)) }
                for line in LetterModelTraining.summarize(results) { say(line) }
                say(String(format: "total %.0f s", Date().timeIntervalSince(started)))
                return
            }

            let empty = try LabeledImages(shape: SampleShape(channels: 1, height: 28, width: 28))
            let held = list(holdout) ?? []
            let trainWriters = corpus?.writers.filter { !held.contains($0) } ?? []
            if let corpus, let missing = held.first(where: { !corpus.writers.contains($0) }) {
                throw ValidationError("--holdout \(missing) is not among the writers \(corpus.writers.joined(separator: ","))")
            }
            if !trainWriters.isEmpty {
                sources.insert("UJI Pen Characters scans, \(variants) variants/sample, \(minSize)-\(maxSize) px, writers \(trainWriters.joined(separator: ","))", at: 0)
            }
            let description = sources.joined(separator: " + ")
                + "; pipeline \(training.pipeline.name); seed \(seed); epochs \(epochs)"
                + (labelSmoothing > 0 ? "; label smoothing \(labelSmoothing)" : "")
                + (ensemble > 1 ? "; ensemble of \(ensemble) (training seeds \(seed)…\(seed + UInt64(ensemble - 1)))" : "")
                + (held.isEmpty ? "" : "; held out \(held.joined(separator: ","))")
            let models: [TrainedModel]
            if let corpus {
                models = try trainer.trainEnsemble(corpus: corpus, trainWriters: trainWriters, validationWriters: held,
                                                    jobs: jobs) { member, report in
                    var line = String(format: "%@epoch %d/%d: loss %.4f, train %.2f %%",
                                      ensemble > 1 ? "model \(member + 1)/\(ensemble) " : "", report.epoch, epochs,
                                      report.meanLoss, 100 * report.accuracy)
                    if let v = report.validationAccuracy { line += String(format: ", validation %.2f %%", 100 * v) }
                    say(line + String(format: " (%.1f s)", report.seconds))
                }
            } else {
                let data = extra ?? empty
                models = try (0..<ensemble).map { member in
                    var configuration = trainer.configuration
                    configuration.seed = seed &+ UInt64(member)
                    return try Trainer(architecture: architecture, configuration: configuration)
                        .train(on: data, labels: LetterDataRenderer.labels) { report in
                            say(String(format: "epoch %d/%d: loss %.4f, train %.2f %% (%.1f s)", report.epoch, epochs,
                                       report.meanLoss, 100 * report.accuracy, report.seconds))
                        }
                }
            }
            if let corpus, !held.isEmpty {
                for writer in held {
                    let accuracy = try LetterModelTraining.accuracy(of: models, on: corpus.scans[writer]) ?? 0
                    say(String(format: "held-out %@ (scans): %.2f %%", writer, 100 * accuracy))
                    if ensemble > 1 {
                        let single = try LetterModelTraining.accuracy(of: Array(models.prefix(1)), on: corpus.scans[writer]) ?? 0
                        say(String(format: "held-out %@ (scans), first model alone: %.2f %%", writer, 100 * single))
                    }
                }
            }
            if let ablate {
                try scoreAblations(ablate, models: models, samples: strokeSamples.filter { held.contains($0.writer) },
                                   renderer: renderer, pipeline: training.pipeline)
            }
            guard let output else { return }
            try TrainedModel.writeEnsembleONNX(models, to: output, metadata: [
                ONNXClassifier.MetadataKey.pipeline: training.text,
                TrainedModel.ONNXMetadataKey.training: description,
            ])
            say(String(format: "wrote %@ (%d parameters) in %.0f s total", output,
                       models.map(\.parameterCount).reduce(0, +), Date().timeIntervalSince(started)))
        }

        /// Scores `models` on `samples` rendered with each listed renderer effect switched off.
        private func scoreAblations(_ list: String, models: [TrainedModel], samples: [StrokeSample],
                                    renderer: LetterDataRenderer, pipeline: Pipeline) throws {
            for name in list.split(separator: ",") {
                guard let effect = ScanAblation(rawValue: String(name)) else { continue }
                var ablated = renderer
                ablated.variants = ablateVariants
                ablated.ablation = effect
                let started = Date()
                let sets = try ablated.render(samples, route: .scan, pipelines: [pipeline])[0]
                var correct = 0.0, total = 0, failures = 0
                var confusions: [String] = []
                for set in sets {
                    correct += (try LetterModelTraining.accuracy(of: models, on: set) ?? 0) * Double(set.count)
                    total += set.count
                    failures += set.failures
                    if effect == .baseline || effect == .all {
                        confusions += try LetterModelTraining.confusions(of: models, on: set)
                    }
                }
                say(String(format: "ablate %@: %.2f %% of %d (%d failed in the pipeline, %.0f s)", effect.rawValue,
                           100 * correct / Double(max(total, 1)), total, failures, Date().timeIntervalSince(started)))
                if !confusions.isEmpty { say("  confusions: " + confusions.joined(separator: ", ")) }
            }
        }
    }
}

/// Loads a pipeline for training (its classify stage removed), as a usage failure on errors.
func loadTrainingPipeline(_ path: String) throws -> TrainingPipeline {
    do {
        return try TrainingPipeline(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw ValidationError("\(error)")
    }
}
