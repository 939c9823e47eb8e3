import Dispatch
import Foundation

/// Accuracy of one held-out writer along each route.
public struct FoldResult: Sendable, Equatable {
    public var writer: String
    public var scan: Double
    public var clean: Double?
    public var naive: Double?
    /// The held-out writer's photos from the second renderer (`LetterRoute.photo`).
    public var photo: Double?
    /// With an ensemble: the first member's (seed's) own scan and clean accuracy.
    public var singleScan: Double?
    public var singleClean: Double?
    /// Per sample: 1 if its clean rendering is right, minus the share of its scans that are
    /// right (empty without clean renderings), so the gap's uncertainty can be paired by sample.
    public var gapBySample: [Double] = []
    /// The held-out writer's scans (of the model's own classes) and negative examples as
    /// scored by the ensemble, for calibration; images the pipeline failed on left out.
    public var scored: [Calibration.Scored] = []
    public var rejectsScored: [Calibration.Scored] = []
    /// The held-out writer's photos from the second renderer as scored by the ensemble.
    public var photoScored: [Calibration.Scored] = []
    public var trainImages: Int
    public var seconds: Double
}

extension LetterModelTraining {
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
                    log(Self.foldEpochLine(writer: writer, member: ensembleSize > 1 ? member : nil, report))
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
                    photo: try Self.accuracy(of: models, on: corpus.photo[writer]),
                    singleScan: models.count > 1 ? try Self.accuracy(of: first, on: corpus.scans[writer]) : nil,
                    singleClean: models.count > 1 ? try Self.accuracy(of: first, on: corpus.clean[writer]) : nil,
                    gapBySample: Self.gapBySample(clean: cleanRight, scans: scanRight),
                    scored: try Self.scored(of: models, on: corpus.scans[writer]),
                    rejectsScored: try Self.scored(of: models, on: corpus.rejects[writer]),
                    photoScored: try Self.scored(of: models, on: corpus.photo[writer]),
                    trainImages: trainCount,
                    seconds: Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
                log(Self.describe(result))
                return result
            } catch {
                throw TrainingError.invalidData("fold \(writer): \(error)")
            }
        }
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
}
