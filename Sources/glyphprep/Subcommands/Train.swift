import ArgumentParser
import Foundation
import GlyphTraining
import GlyphVisualization

/// `--classes`: what the model tells apart; letters get `not_a_letter` with negative examples.
enum ClassChoice: String, ExpressibleByArgument, CaseIterable {
    case letters, digits
}

extension GlyphPrepCommand {
    /// `glyphprep train`: trains the letter classifier on rendered UJI strokes (and optional
    /// EMNIST / labelled folders) and exports ONNX, or cross-validates over writers.
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a letter or digit classifier (--classes) on UJI strokes rendered as scans and run through PIPELINE; write ONNX.",
            discussion: """
            Every letter sample is rendered --variants times as a realistic scan, encoded as JPEG \
            or PNG and run through PIPELINE (its classify stage is ignored), exactly as `run` \
            would process the file. With --folds, trains one model per writer on all the others \
            and reports the held-out writer's accuracy on scans, clean renderings and, with \
            --compare, the scans through a second pipeline; then the mean over folds and the \
            scan route's gap to clean renderings with a 95 % interval (paired by sample). Examples:
              glyphprep train pipelines/emnist.yaml --strokes ../shared/data/uji -o my-letters.onnx
              glyphprep train pipelines/emnist.yaml --strokes ../shared/data/uji --folds
            """)

        @Argument(help: "The pipeline YAML file the model's inputs go through.")
        var pipeline: String

        @Option(help: "What the model tells apart: letters (a–z, case merged; with --reject-variants, --symbol-variants or --scribbles also not_a_letter) or digits (0–9 and not_a_digit, learnt from the writers' letters, --scribbles and smudges).")
        var classes: ClassChoice = .letters

        @Option(help: "Renderings of every negative example of each writer: its letters for digits (default 3), its digits for letters (default 0; more adds the class not_a_letter).")
        var rejectVariants: Int?

        @Option(help: "Characters never used as negative examples, because they are drawn like a class (default: oO for digits, 0 for letters).")
        var lookalikes: String?

        @Option(help: "Scribbles and smudges rendered as negative examples (letters: adds not_a_letter).")
        var scribbles = 0

        @Option(help: "With --classes letters: renderings of each --font's symbols (& % # @ + = ? ! …) as not_a_letter.")
        var symbolVariants = 0

        @Option(help: "With --folds: the accuracy the answered held-out scans must reach for the reported threshold (default 0.99 digits, 0.97 letters).")
        var targetAccuracy: Double?

        @Option(help: "Calibration temperature stored in the model (from the --folds report); classify divides the logits by it.")
        var temperature: Double?

        @Option(help: "Abstention threshold stored in the model (from the --folds report): classify's default min_confidence.")
        var threshold: Double?

        @Option(help: "Rejection bias stored in the model (from the --folds report): subtracted from the rejection class's logit.")
        var rejectionBias: Double?

        @Option(help: "With --folds and a rejection class: the most negative examples the fitted rejection bias may let through at the threshold.")
        var maxNegativesAnswered = CalibrationSummary.defaultMaxRejectsAnswered

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

        @Option(help: "With --folds: write the reliability diagram (PNG) of the held-out scans at the fitted temperature.")
        var reliability: String?

        @Option(help: "With --folds or --holdout: comma-separated renderers the held-out writers are scored on: scan (always; the models train on it) and photo (the second, independently written renderer, docs/renderers.md).")
        var evalRenderers = "scan"

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
            guard (rejectVariants ?? 0) >= 0, scribbles >= 0, symbolVariants >= 0 else {
                throw ValidationError("--reject-variants, --scribbles and --symbol-variants must not be negative")
            }
            if let targetAccuracy, !(targetAccuracy > 0 && targetAccuracy <= 1) { throw ValidationError("--target-accuracy must be in (0, 1]") }
            if let temperature, !(temperature > 0 && temperature.isFinite) { throw ValidationError("--temperature must be positive") }
            if let threshold, !(0...1).contains(threshold) { throw ValidationError("--threshold must be in 0…1") }
            if let rejectionBias {
                guard rejectionBias.isFinite, rejectionBias >= 0 else { throw ValidationError("--rejection-bias must not be negative") }
                guard trainingClasses.rejectionIndex != nil else { throw ValidationError("--rejection-bias needs a rejection class") }
            }
            guard (0...1).contains(maxNegativesAnswered) else { throw ValidationError("--max-negatives-answered must be in 0…1") }
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
            guard reliability == nil || folds else { throw ValidationError("--reliability only applies with --folds") }
            guard foldWriters == nil || folds else { throw ValidationError("--fold-writers only applies with --folds") }
            if case .failure(let error) = ScanRendererKind.parseList(evalRenderers) { throw ValidationError("--eval-renderers: \(error)") }
            guard evalRenderers == "scan" || folds || holdout != nil else {
                throw ValidationError("--eval-renderers only applies with --folds or --holdout")
            }
        }

        private func list(_ text: String?) -> [String]? {
            text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty } }
        }

        /// The class set: letters gain `not_a_letter` when given negative examples.
        var trainingClasses: TrainingClasses {
            switch classes {
            case .digits: .digits
            case .letters: (rejectVariants ?? 0) > 0 || scribbles > 0 || symbolVariants > 0 ? .lettersOrNot : .letters
            }
        }

        /// The library's plan for these options.
        func plan() -> LetterTrainingPlan {
            var plan = LetterTrainingPlan(pipelineFile: pipeline)
            plan.classes = trainingClasses
            plan.rejectionVariants = rejectVariants ?? (classes == .digits ? 3 : 0)
            plan.scribbles = plan.classes.rejectionIndex == nil ? 0 : scribbles
            plan.symbolVariants = plan.classes == .lettersOrNot ? symbolVariants : 0
            plan.lookalikes = lookalikes.map(Set.init)
            plan.calibrationTarget = targetAccuracy
            plan.temperature = temperature
            plan.threshold = threshold
            plan.rejectionBias = rejectionBias
            plan.maxRejectsAnswered = maxNegativesAnswered
            plan.strokes = strokes
            plan.writers = list(writers)
            plan.holdout = list(holdout) ?? []
            plan.variants = variants
            plan.epochs = epochs
            plan.augmentation = augment.configuration
            plan.seed = seed
            plan.sizeRange = minSize...maxSize
            if let emnistImages, let emnistLabels { plan.emnist = (emnistImages, emnistLabels) }
            plan.folders = folder
            plan.strokeFonts = strokeFont
            plan.outlineFonts = font
            plan.crossValidation = folds
            plan.foldWriters = list(foldWriters)
            plan.comparisonFile = compare
            plan.evaluationRenderers = (try? ScanRendererKind.parseList(evalRenderers).get()) ?? [.scan]
            plan.architecture = .letterCNN(classes: plan.classes.labels.count, conv1: conv1, conv2: conv2, hidden: hidden)
            plan.labelSmoothing = labelSmoothing
            plan.ensembleSize = ensemble
            plan.ablations = ablate.map { $0.split(separator: ",").compactMap { ScanAblation(rawValue: String($0)) } } ?? []
            plan.ablationVariants = ablateVariants
            plan.cache = cache
            plan.jobs = jobs
            plan.output = output
            return plan
        }

        func run() throws {
            do {
                let plan = plan()
                let outcome = try plan.run { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
                if let reliability, !outcome.folds.isEmpty {
                    let rejection = plan.classes.rejectionIndex
                    let summary = CalibrationSummary(outcome.folds, rejection: rejection, maxRejectsAnswered: maxNegativesAnswered)
                    try ReliabilityDiagram(folds: outcome.folds, temperature: summary?.temperature ?? 1,
                                           rejectionBias: summary?.rejectionBias ?? 0, rejection: rejection)
                        .canvas().writePNG(to: reliability)
                    print("wrote \(reliability)")
                }
            } catch LetterTrainingPlanError.unreadablePipeline(let reason) {
                throw CommandError(reason)
            } catch LetterTrainingPlanError.unknownHoldout(let writer, let writers) {
                throw CommandError("--holdout \(writer) is not among the writers \(writers.joined(separator: ","))")
            }
        }
    }
}
