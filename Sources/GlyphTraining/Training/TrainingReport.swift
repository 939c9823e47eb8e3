import Foundation

extension LetterModelTraining {
    /// A fold's progress, e.g. `fold w03 model 2 epoch 4: loss 0.3120, train 91.20 %, 12.5 s`;
    /// `member` (counted from 0) only for ensembles.
    public static func foldEpochLine(writer: String, member: Int?, _ report: EpochReport) -> String {
        String(format: "fold %@%@ epoch %d: loss %.4f, train %.2f %%, %.1f s",
               writer, member.map { " model \($0 + 1)" } ?? "",
               report.epoch, report.meanLoss, 100 * report.accuracy, report.seconds)
    }

    /// One line per fold, e.g. `fold w03: scan 91.20 %, clean 92.00 %, naive 4.10 % (7280 images, 61 s)`.
    public static func describe(_ result: FoldResult) -> String {
        var parts = [String(format: "scan %.2f %%", 100 * result.scan)]
        if let photo = result.photo { parts.append(String(format: "photo %.2f %%", 100 * photo)) }
        if let clean = result.clean { parts.append(String(format: "clean %.2f %%", 100 * clean)) }
        if let naive = result.naive { parts.append(String(format: "naive %.2f %%", 100 * naive)) }
        if !result.rejectsScored.isEmpty {
            let answered = result.rejectsScored.filter { item in
                guard let best = item.logits.indices.max(by: { item.logits[$0] < item.logits[$1] }) else { return false }
                return best != item.truth
            }.count
            parts.append(String(format: "negatives answered with a class %.2f %%",
                                100 * Double(answered) / Double(result.rejectsScored.count)))
        }
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
        if let s = AccuracySpread(results.compactMap(\.photo)) { lines.append("photo route: \(s)") }
        if let s = AccuracySpread(results.compactMap(\.clean)) { lines.append("clean route: \(s)") }
        if let s = AccuracySpread(results.compactMap(\.naive)) { lines.append("naive route: \(s)") }
        if let s = AccuracySpread(results.compactMap(\.singleScan)) { lines.append("first model alone, scan  route: \(s)") }
        if let s = AccuracySpread(results.compactMap(\.singleClean)) { lines.append("first model alone, clean route: \(s)") }
        if let gap = RouteGap(results) { lines.append("gap clean − scan: \(gap)") }
        let paired = results.compactMap { r in r.photo.map { r.scan - $0 } }
        if paired.count == results.count, let s = AccuracySpread(paired) {
            lines.append(String(format: "gap scan − photo: %.2f points (per writer %@)", 100 * s.mean,
                                results.map { String(format: "%@ %+.2f", $0.writer, 100 * ($0.scan - ($0.photo ?? 0))) }
                                    .joined(separator: ", ")))
        }
        return lines
    }
}

extension LetterTrainingPlan {
    /// An epoch's progress, e.g. `model 2/3 epoch 4/10: loss 0.3120, train 91.20 %, validation
    /// 88.00 % (12.5 s)`; `member` (counted from 0) only for ensembles trained on a corpus.
    public func epochLine(_ report: EpochReport, member: Int?) -> String {
        var line = String(format: "%@epoch %d/%d: loss %.4f, train %.2f %%",
                          member.map { "model \($0 + 1)/\(ensembleSize) " } ?? "", report.epoch, epochs,
                          report.meanLoss, 100 * report.accuracy)
        if let v = report.validationAccuracy { line += String(format: ", validation %.2f %%", 100 * v) }
        return line + String(format: " (%.1f s)", report.seconds)
    }

    /// The folds' results, one line each, and the summary over them.
    public func foldReport(_ results: [FoldResult]) -> [String] {
        ["leave-one-writer-out over \(results.count) writers, \(variants) variants, \(epochs) epochs:"]
            + results.map(LetterModelTraining.describe) + LetterModelTraining.summarize(results) + photoReport(results)
    }

    /// The second renderer's photos: their calibration at T = 1 and at the calibration the scans
    /// give, and their commonest confusions (nothing without photos).
    func photoReport(_ results: [FoldResult]) -> [String] {
        let rejection = classes.rejectionIndex, raw = results.flatMap(\.photoScored)
        guard !raw.isEmpty else { return [] }
        let fit = CalibrationFit(scans: results.flatMap(\.scored), rejects: results.flatMap(\.rejectsScored), rejection: rejection,
                                 target: calibrationTarget ?? CalibrationSummary.defaultTarget(for: classes),
                                 maxRejectsAnswered: maxRejectsAnswered)
        let temperature = fit.temperature, photos = fit.shifted(raw, rejection: rejection)
        let asScans = results.map { result in
            var copy = result
            copy.scored = result.photoScored
            return copy
        }
        let confusions = CalibrationSummary.confusions(asScans, labels: classes.labels)
        return [String(format: "ECE (15 bins) of held-out photos: %.4f at T = 1, %.4f at the scans' T = %.4f",
                       Calibration.expectedCalibrationError(raw, temperature: 1),
                       Calibration.expectedCalibrationError(photos, temperature: temperature), temperature)
                + (fit.rejectionBias > 0 ? String(format: " and rejection bias %.2f (photos right %.2f %%, %.2f %% without it)",
                                                  fit.rejectionBias, 100 * Calibration.accuracy(photos), 100 * Calibration.accuracy(raw)) : "")]
            + (confusions.isEmpty ? [] : ["most frequent confusions of held-out photos: " + confusions.joined(separator: ", ")])
    }

    /// The held-out writers' scan accuracy, of the ensemble and (for ensembles) its first model.
    public func heldOutReport(_ models: [TrainedModel], corpus: LetterCorpus) throws -> [String] {
        var lines: [String] = []
        for writer in holdout {
            let accuracy = try LetterModelTraining.accuracy(of: models, on: corpus.scans[writer]) ?? 0
            lines.append(String(format: "held-out %@ (scans): %.2f %%", writer, 100 * accuracy))
            if let photo = try LetterModelTraining.accuracy(of: models, on: corpus.photo[writer]) {
                lines.append(String(format: "held-out %@ (photos, second renderer): %.2f %%", writer, 100 * photo))
            }
            if ensembleSize > 1 {
                let single = try LetterModelTraining.accuracy(of: Array(models.prefix(1)), on: corpus.scans[writer]) ?? 0
                lines.append(String(format: "held-out %@ (scans), first model alone: %.2f %%", writer, 100 * single))
            }
        }
        return lines
    }

    /// How many scans of how many writers were rendered, how fast, and how many the pipeline failed on.
    public static func renderedLine(_ corpus: LetterCorpus) -> String {
        let failures = corpus.scans.values.map(\.failures).reduce(0, +)
        let total = corpus.scans.values.map(\.count).reduce(0, +)
        let photos = corpus.photo.values.map(\.count).reduce(0, +)
        let photoPart = photos == 0 ? "" : String(format: "; %d photos of %d writers (%d failed in the pipeline)", photos,
                                                  corpus.photo.count, corpus.photo.values.map(\.failures).reduce(0, +))
        return String(format: "rendered %d scans of %d writers in %.1f s (%d failed in the pipeline)",
                      total, corpus.writers.count, corpus.seconds, failures) + photoPart
    }
}

extension AblationScore {
    /// The score, e.g. `ablate desk: 91.20 % of 832 (3 failed in the pipeline, 12 s)`, then the
    /// confusions if any.
    public var lines: [String] {
        [String(format: "ablate %@: %.2f %% of %d (%d failed in the pipeline, %.0f s)", effect.rawValue,
                100 * correct / Double(max(images, 1)), images, failures, seconds)]
            + (confusions.isEmpty ? [] : ["  confusions: " + confusions.joined(separator: ", ")])
    }
}
