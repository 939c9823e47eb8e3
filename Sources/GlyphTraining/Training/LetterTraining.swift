import Dispatch
import Foundation
import GlyphImaging
import GlyphPipeline
import ONNXRuntime

/// A pipeline file prepared for training: the `classify` stage (if any) is removed from both the
/// configuration and the text recorded in the trained model.
public struct TrainingPipeline: Sendable {
    public let pipeline: Pipeline
    /// The file's text without the `classify` stage; stored as `glyphprep.pipeline`.
    public let text: String

    public init(contentsOf url: URL) throws {
        let raw: String
        do {
            raw = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw PipelineError(source: url.path, line: nil, column: nil,
                                message: "cannot read the pipeline file: \(error.localizedDescription)")
        }
        try self.init(text: raw, source: url.path)
    }

    public init(text raw: String, source: String = "<pipeline>") throws {
        text = Self.removingClassifyStage(raw)
        let configuration = try PipelineConfiguration.parse(yaml: text, source: source)
        pipeline = Pipeline(configuration: configuration, sourceText: text)
    }

    /// `text` without a `- classify…` stage line and the more deeply indented lines under it.
    public static func removingClassifyStage(_ text: String) -> String {
        var kept: [Substring] = []
        var skippingDeeperThan: Int?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let indent = line.prefix { $0 == " " }.count
            let body = line.dropFirst(indent)
            if let limit = skippingDeeperThan {
                if !body.isEmpty && indent > limit { continue }
                skippingDeeperThan = nil
            }
            if body.hasPrefix("-") {
                let item = body.dropFirst().drop { $0 == " " }
                if item.hasPrefix("classify") {
                    let rest = item.dropFirst("classify".count)
                    if rest.isEmpty || rest.first == ":" || rest.first == " " {
                        skippingDeeperThan = indent
                        continue
                    }
                }
            }
            kept.append(line)
        }
        return kept.joined(separator: "\n")
    }
}

/// The rendered UJI letters of every writer, through the training pipeline and, optionally,
/// clean renderings and a second ("naive") pipeline for comparison.
public struct LetterCorpus: Sendable {
    public var writers: [String]
    /// Realistic scans through the training pipeline.
    public var scans: [String: WriterImages]
    /// Clean renderings through the training pipeline (empty when not rendered).
    public var clean: [String: WriterImages]
    /// The same scans through the comparison pipeline (empty when none was given).
    public var naive: [String: WriterImages]
    public var seconds: Double

    /// Renders `samples` with `renderer`. Clean renderings use the same number of variants.
    public static func render(
        _ samples: [StrokeSample], renderer: LetterDataRenderer, pipeline: Pipeline,
        naive: Pipeline? = nil, withClean: Bool = false, log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws -> LetterCorpus {
        let started = DispatchTime.now()
        let pipelines = [pipeline] + (naive.map { [$0] } ?? [])
        let scanSets = try renderer.render(samples, route: .scan, pipelines: pipelines) { done, total in
            log("rendered \(done)/\(total) scans")
        }
        var cleanSets: [WriterImages] = []
        if withClean {
            var cleanRenderer = renderer
            cleanRenderer.variants = 1
            cleanSets = try cleanRenderer.render(samples, route: .clean, pipelines: [pipeline])[0]
        }
        func byWriter(_ sets: [WriterImages]) -> [String: WriterImages] {
            Dictionary(uniqueKeysWithValues: sets.map { ($0.writer, $0) })
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        return LetterCorpus(
            writers: scanSets[0].map(\.writer), scans: byWriter(scanSets[0]), clean: byWriter(cleanSets),
            naive: scanSets.count > 1 ? byWriter(scanSets[1]) : [:], seconds: seconds)
    }

    /// Scans of `writers` as one training set (failed images left out).
    public func trainingImages(writers selected: [String]) throws -> LabeledImages {
        try LabeledImages.combining(selected.compactMap { scans[$0] })
    }
}

/// Accuracy of one held-out writer along each route.
public struct FoldResult: Sendable, Equatable {
    public var writer: String
    public var scan: Double
    public var clean: Double?
    public var naive: Double?
    /// With an ensemble: the first member's (seed's) own scan and clean accuracy.
    public var singleScan: Double?
    public var singleClean: Double?
    /// Per sample: 1 if its clean rendering is right, minus the share of its scans that are
    /// right (empty without clean renderings), so the gap's uncertainty can be paired by sample.
    public var gapBySample: [Double] = []
    public var trainImages: Int
    public var seconds: Double
}

/// The scan route's shortfall against the clean route over folds, in points, with a 95 %
/// interval from the per-sample differences (paired: each sample's clean rendering against its
/// own scans). It covers which samples a writer happened to write, not the training's randomness.
public struct RouteGap: Sendable, Equatable, CustomStringConvertible {
    /// Mean over folds of each fold's mean per-sample gap, in points.
    public var points: Double
    /// Half-width of the 95 % interval, in points.
    public var halfWidth: Double
    public var samples: Int

    /// nil unless every fold has per-sample gaps (at least two each).
    public init?(_ results: [FoldResult]) {
        guard !results.isEmpty, results.allSatisfy({ $0.gapBySample.count >= 2 }) else { return nil }
        var meanSum = 0.0, varianceSum = 0.0, count = 0
        for result in results {
            let d = result.gapBySample
            count += d.count
            let n = Double(d.count)
            let mean = d.reduce(0, +) / n
            let variance = d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
            meanSum += mean
            varianceSum += variance / n
        }
        let folds = Double(results.count)
        points = 100 * meanSum / folds
        halfWidth = 100 * 1.96 * varianceSum.squareRoot() / folds
        samples = count
    }

    public var description: String {
        String(format: "%.2f points, 95 %% interval %.2f … %.2f (paired by sample, %d samples)",
               points, points - halfWidth, points + halfWidth, samples)
    }
}

/// Mean, minimum, maximum and (population) standard deviation of some accuracies.
public struct AccuracySpread: Sendable, Equatable, CustomStringConvertible {
    public var mean: Double
    public var min: Double
    public var max: Double
    public var std: Double

    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        mean = values.reduce(0, +) / Double(values.count)
        min = values.min() ?? 0
        max = values.max() ?? 0
        let m = mean
        std = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count)).squareRoot()
    }

    public var description: String {
        String(format: "%.2f %% ± %.2f (min %.2f, max %.2f)", 100 * mean, 100 * std, 100 * min, 100 * max)
    }
}

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
            .train(on: data, validation: validation, labels: LetterDataRenderer.labels, metadata: metadata,
                   progress: progress)
    }

    /// Leave-one-writer-out over `corpus.writers`: one model per writer in `heldOut` (default:
    /// all), trained on all other writers, scored on the held-out writer along every route the
    /// corpus has. Folds run `jobs` at a time; results are in the order of `heldOut`.
    public func crossValidate(corpus: LetterCorpus, heldOut: [String]? = nil, jobs: Int = 2,
                              log: @Sendable @escaping (String) -> Void = { _ in }) throws -> [FoldResult] {
        let writers = corpus.writers
        guard writers.count >= 2 else { throw TrainingError.invalidData("cross-validation needs at least 2 writers") }
        let folds = heldOut ?? writers
        if let missing = folds.first(where: { !writers.contains($0) }) {
            throw TrainingError.invalidData("held-out writer \(missing) is not among the writers \(writers.joined(separator: ","))")
        }
        return try Self.parallel(count: folds.count, jobs: jobs) { index in
            let writer = folds[index]
            let started = DispatchTime.now()
            do {
                let others = writers.filter { $0 != writer }
                let models = try trainEnsemble(corpus: corpus, trainWriters: others) { member, report in
                    log(String(format: "fold %@%@ epoch %d: loss %.4f, train %.2f %%, %.1f s",
                               writer, ensembleSize > 1 ? " model \(member + 1)" : "",
                               report.epoch, report.meanLoss, 100 * report.accuracy, report.seconds))
                }
                let trainCount = try corpus.trainingImages(writers: others).count + (extra?.count ?? 0)
                let first = Array(models.prefix(1))
                let scanRight = try Self.correctness(of: models, on: corpus.scans[writer])
                let cleanRight = try Self.correctness(of: models, on: corpus.clean[writer])
                let result = FoldResult(
                    writer: writer,
                    scan: Self.share(scanRight) ?? 0,
                    clean: Self.share(cleanRight),
                    naive: try Self.accuracy(of: models, on: corpus.naive[writer]),
                    singleScan: models.count > 1 ? try Self.accuracy(of: first, on: corpus.scans[writer]) : nil,
                    singleClean: models.count > 1 ? try Self.accuracy(of: first, on: corpus.clean[writer]) : nil,
                    gapBySample: Self.gapBySample(clean: cleanRight, scans: scanRight),
                    trainImages: trainCount,
                    seconds: Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
                log(Self.describe(result))
                return result
            } catch {
                throw TrainingError.invalidData("fold \(writer): \(error)")
            }
        }
    }

    /// Accuracy on `images`, counting images the pipeline failed on as wrong; nil without images.
    public static func accuracy(of model: TrainedModel, on images: WriterImages?) throws -> Double? {
        try accuracy(of: [model], on: images)
    }

    /// Accuracy of an ensemble (averaged logits) on `images`, counting images the pipeline failed
    /// on as wrong; nil without images.
    public static func accuracy(of models: [TrainedModel], on images: WriterImages?) throws -> Double? {
        share(try correctness(of: models, on: images))
    }

    /// Per image, whether the ensemble is right (images the pipeline failed on are wrong); nil
    /// without images.
    public static func correctness(of models: [TrainedModel], on images: WriterImages?) throws -> [Bool]? {
        guard let images, images.count > 0 else { return nil }
        let predicted = try predictions(of: models, on: images)
        return (0..<images.count).map { !images.failed[$0] && predicted[$0] == images.labels[$0] }
    }

    static func share(_ right: [Bool]?) -> Double? {
        guard let right, !right.isEmpty else { return nil }
        return Double(right.filter { $0 }.count) / Double(right.count)
    }

    /// Per sample, clean right (1/0) minus the share of its scans right. Scans come sample by
    /// sample, the same number for each (`LetterDataRenderer` renders variant-minor); empty when
    /// the counts do not pair up.
    static func gapBySample(clean: [Bool]?, scans: [Bool]?) -> [Double] {
        guard let clean, let scans, !clean.isEmpty, scans.count % clean.count == 0 else { return [] }
        let variants = scans.count / clean.count
        return clean.indices.map { sample in
            let own = scans[(sample * variants)..<((sample + 1) * variants)]
            return (clean[sample] ? 1 : 0) - Double(own.filter { $0 }.count) / Double(variants)
        }
    }

    /// The class an ensemble picks for each image: the largest mean log-probability, which is
    /// the largest mean logit (as in `TrainedModel.ensembleONNXBuilder`).
    public static func predictions(of models: [TrainedModel], on images: WriterImages) throws -> [Int] {
        let input = try images.labeledImages(includeFailed: true)
        var total: [[Float]] = []
        for model in models {
            let probabilities = try model.predict(input.pixels)
            if total.isEmpty {
                total = probabilities.map { $0.map { logf(max($0, 1e-30)) } }
            } else {
                for i in total.indices {
                    for c in total[i].indices { total[i][c] += logf(max(probabilities[i][c], 1e-30)) }
                }
            }
        }
        return total.map(argmax)
    }

    /// The most frequent (truth, predicted) confusions of `models` on `images` (failed images
    /// left out), most frequent first, as "truth→predicted count" strings.
    public static func confusions(of models: [TrainedModel], on images: WriterImages, limit: Int = 12) throws -> [String] {
        let predicted = try predictions(of: models, on: images)
        var counts: [String: Int] = [:]
        for i in 0..<images.count where !images.failed[i] && predicted[i] != images.labels[i] {
            counts["\(LetterDataRenderer.labels[images.labels[i]])→\(LetterDataRenderer.labels[predicted[i]])", default: 0] += 1
        }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(limit).map { "\($0.key) \($0.value)" }
    }

    /// One line per fold, e.g. `fold w03: scan 91.20 %, clean 92.00 %, naive 4.10 % (7280 images, 61 s)`.
    public static func describe(_ result: FoldResult) -> String {
        var parts = [String(format: "scan %.2f %%", 100 * result.scan)]
        if let clean = result.clean { parts.append(String(format: "clean %.2f %%", 100 * clean)) }
        if let naive = result.naive { parts.append(String(format: "naive %.2f %%", 100 * naive)) }
        if let single = result.singleScan {
            parts.append(String(format: "first model alone: scan %.2f %%", 100 * single)
                + (result.singleClean.map { String(format: ", clean %.2f %%", 100 * $0) } ?? ""))
        }
        return "fold \(result.writer): " + parts.joined(separator: ", ")
            + String(format: " (%d training images, %.0f s)", result.trainImages, result.seconds)
    }

    /// Summary lines: mean ± std (min, max) per route.
    public static func summarize(_ results: [FoldResult]) -> [String] {
        var lines: [String] = []
        if let s = AccuracySpread(results.map(\.scan)) { lines.append("scan  route: \(s)") }
        if let s = AccuracySpread(results.compactMap(\.clean)) { lines.append("clean route: \(s)") }
        if let s = AccuracySpread(results.compactMap(\.naive)) { lines.append("naive route: \(s)") }
        if let s = AccuracySpread(results.compactMap(\.singleScan)) { lines.append("first model alone, scan  route: \(s)") }
        if let s = AccuracySpread(results.compactMap(\.singleClean)) { lines.append("first model alone, clean route: \(s)") }
        if let gap = RouteGap(results) { lines.append("gap clean − scan: \(gap)") }
        return lines
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

extension LetterCorpus {
    /// Loads the corpus stored at `path` when `accepts` its key, else nil.
    public static func cached(at path: String, accepts: (String) -> Bool) -> LetterCorpus? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var reader = ByteReader(bytes: [UInt8](data))
        guard reader.string() == Self.cacheMagic, let key = reader.string(), accepts(key) else { return nil }
        var sections: [[String: WriterImages]] = []
        for _ in 0..<3 {
            guard let count = reader.int() else { return nil }
            var section: [String: WriterImages] = [:]
            for _ in 0..<count {
                guard let writer = reader.string(), let side = reader.int(), let n = reader.int(),
                      let labels = reader.bytes(n), let failed = reader.bytes(n), let pixels = reader.bytes(n * side * side)
                else { return nil }
                section[writer] = WriterImages(writer: writer, side: side, pixels: pixels, labels: labels.map(Int.init),
                                               failed: failed.map { $0 != 0 })
            }
            sections.append(section)
        }
        return LetterCorpus(writers: sections[0].keys.sorted(), scans: sections[0], clean: sections[1],
                            naive: sections[2], seconds: 0)
    }

    /// Stores the corpus at `path` (atomically) under `key`.
    public func store(at path: String, key: String) throws {
        var out: [UInt8] = []
        func put(_ value: Int) { withUnsafeBytes(of: UInt64(value).littleEndian) { out.append(contentsOf: $0) } }
        func put(_ text: String) { put(text.utf8.count); out.append(contentsOf: text.utf8) }
        put(Self.cacheMagic)
        put(key)
        for section in [scans, clean, naive] {
            put(section.count)
            for writer in section.keys.sorted() {
                guard let images = section[writer] else { continue }
                put(writer)
                put(images.side)
                put(images.count)
                out.append(contentsOf: images.labels.map { UInt8(clamping: $0) })
                out.append(contentsOf: images.failed.map { $0 ? 1 : 0 })
                out.append(contentsOf: images.pixels)
            }
        }
        try AtomicFile.write(out, to: path)
    }

    private static let cacheMagic = "glyphprep letter corpus 1"
}

/// Reads the little-endian fields `LetterCorpus.store` writes.
private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func int() -> Int? {
        guard let raw = bytes(8) else { return nil }
        let value = raw.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return value <= UInt64(Int32.max) ? Int(value) : nil
    }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, offset + count <= bytes.count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func string() -> String? {
        guard let count = int(), let raw = bytes(count) else { return nil }
        return String(decoding: raw, as: UTF8.self)
    }
}
