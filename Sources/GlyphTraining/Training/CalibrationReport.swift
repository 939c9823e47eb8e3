import Foundation

/// What the folds' held-out predictions say about calibration.
public struct CalibrationSummary: Sendable, Equatable {
    /// Temperature fit on every fold's held-out predictions (scans and negative examples).
    public var temperature: Double
    /// The rejection class's bias fit with it (0 without a rejection class).
    public var rejectionBias: Double
    /// ECE of the held-out scans at T = 1 and with each fold's calibration fit on the other folds.
    public var eceBefore: Double
    public var eceAfter: Double
    /// The same over scans and negative examples together.
    public var eceAllBefore: Double
    public var eceAllAfter: Double
    /// The smallest threshold at which the answered scans reach `target`, and what it leaves.
    public var target: Double
    public var threshold: Double
    public var coverage: Double
    public var answeredAccuracy: Double
    /// Negative examples (letters, for digits) answered with a class: by the top class alone,
    /// and with the threshold.
    public var rejectsAnswered: Double?
    public var rejectsAnsweredWithThreshold: Double?
    /// With each fold's calibration fit on the other folds (the honest estimate of the fit):
    /// top-class accuracy of the scored scans with and without the bias, coverage and accuracy
    /// of the answered ones, and negative examples answered.
    public var heldOut: HeldOut

    /// What each fold's calibration, fit on the other folds, does to that fold.
    public struct HeldOut: Sendable, Equatable {
        public var accuracy = 0.0, unbiasedAccuracy = 0.0, coverage = 0.0, answeredAccuracy = 0.0
        public var rejectsAnswered: Double?
    }

    /// Accuracy the answered predictions of unseen writers should reach.
    public static let defaultTarget = 0.99
    /// The most negative examples the rejection bias may let through (at the threshold).
    public static let defaultMaxRejectsAnswered = 0.05

    /// The target of a class set: 99 % for digits (issue 19), 97 % for letters (issue 18).
    public static func defaultTarget(for classes: TrainingClasses) -> Double {
        classes == .digits ? defaultTarget : 0.97
    }

    /// nil without held-out predictions.
    public init?(_ results: [FoldResult], rejection: Int?, target: Double = defaultTarget,
                 maxRejectsAnswered: Double = defaultMaxRejectsAnswered) {
        let scans = results.flatMap(\.scored), rejects = results.flatMap(\.rejectsScored)
        guard !scans.isEmpty else { return nil }
        let fit = CalibrationFit(scans: scans, rejects: rejects, rejection: rejection, target: target,
                                 maxRejectsAnswered: maxRejectsAnswered)
        (temperature, rejectionBias, threshold, self.target) = (fit.temperature, fit.rejectionBias, fit.threshold, target)
        eceBefore = Calibration.expectedCalibrationError(scans, temperature: 1)
        eceAllBefore = Calibration.expectedCalibrationError(scans + rejects, temperature: 1)
        let shiftedScans = fit.shifted(scans, rejection: rejection), shiftedRejects = fit.shifted(rejects, rejection: rejection)
        (coverage, answeredAccuracy) = Calibration.coverage(shiftedScans, temperature: temperature, threshold: threshold,
                                                            rejection: rejection)
        if !rejects.isEmpty {
            rejectsAnswered = Calibration.coverage(shiftedRejects, temperature: temperature, threshold: 0, rejection: rejection).coverage
            rejectsAnsweredWithThreshold = fit.rejectsAnswered
        }
        (eceAfter, eceAllAfter, heldOut) = Self.heldOut(results, rejection: rejection, target: target,
                                                        maxRejectsAnswered: maxRejectsAnswered)
    }

    /// Each fold scored with the calibration fit on the other folds: ECE of its scans, of its
    /// scans and negative examples, and the rest of `HeldOut`.
    static func heldOut(_ results: [FoldResult], rejection: Int?, target: Double, maxRejectsAnswered: Double)
        -> (ece: Double, eceAll: Double, HeldOut) {
        var confidences: [Double] = [], right: [Bool] = [], allConfidences: [Double] = [], allRight: [Bool] = []
        var scansRight = 0, unbiasedRight = 0, answered = 0, answeredRight = 0, rejectsAnswered = 0, rejectCount = 0
        for (index, fold) in results.enumerated() {
            let others = results.indices.filter { $0 != index }
            let own = CalibrationFit(scans: others.flatMap { results[$0].scored }, rejects: others.flatMap { results[$0].rejectsScored },
                                     rejection: rejection, target: target, maxRejectsAnswered: maxRejectsAnswered)
            unbiasedRight += fold.scored.filter { argmax($0.logits) == $0.truth }.count
            for (items, isScan) in [(own.shifted(fold.scored, rejection: rejection), true),
                                    (own.shifted(fold.rejectsScored, rejection: rejection), false)] {
                for (decision, item) in zip(Calibration.decisions(items, temperature: own.temperature), items) {
                    let isRight = decision.predicted == item.truth
                    let isAnswer = decision.confidence >= own.threshold && decision.predicted != rejection
                    if isScan {
                        confidences.append(decision.confidence)
                        right.append(isRight)
                        scansRight += isRight ? 1 : 0
                        answered += isAnswer ? 1 : 0
                        answeredRight += isAnswer && isRight ? 1 : 0
                    } else {
                        rejectCount += 1
                        rejectsAnswered += isAnswer ? 1 : 0
                    }
                    allConfidences.append(decision.confidence)
                    allRight.append(isRight)
                }
            }
        }
        let count = Double(max(1, confidences.count))
        let heldOut = HeldOut(accuracy: Double(scansRight) / count, unbiasedAccuracy: Double(unbiasedRight) / count,
                              coverage: Double(answered) / count,
                              answeredAccuracy: answered > 0 ? Double(answeredRight) / Double(answered) : 1,
                              rejectsAnswered: rejectCount > 0 ? Double(rejectsAnswered) / Double(rejectCount) : nil)
        return (Calibration.expectedCalibrationError(confidences: confidences, correct: right),
                Calibration.expectedCalibrationError(confidences: allConfidences, correct: allRight), heldOut)
    }

    /// The report's lines.
    public var lines: [String] {
        var lines = [
            String(format: "calibration: temperature %.4f (fit on all held-out predictions)", temperature)
                + (rejectionBias > 0 ? String(format: ", rejection bias %.2f (its logit minus this)", rejectionBias) : ""),
            String(format: "ECE (15 bins) of held-out scans: %.4f at T = 1, %.4f calibrated (each fold's T fit on the other folds)",
                   eceBefore, eceAfter),
            String(format: "ECE with the negative examples: %.4f at T = 1, %.4f calibrated", eceAllBefore, eceAllAfter),
            String(format: "abstention threshold %.2f (answered scans ≥ %.0f %% right): coverage %.2f %%, answered accuracy %.2f %%",
                   threshold, 100 * target, 100 * coverage, 100 * answeredAccuracy),
        ]
        if let rejectsAnswered, let rejectsAnsweredWithThreshold {
            lines.append(String(format: "negative examples answered with a class: %.2f %% (top class), %.2f %% with the threshold",
                                100 * rejectsAnswered, 100 * rejectsAnsweredWithThreshold))
        }
        lines.append(String(format: "each fold calibrated on the other folds: scans right %.2f %% (%.2f %% without the rejection bias), "
                            + "coverage %.2f %% at %.2f %%", 100 * heldOut.accuracy, 100 * heldOut.unbiasedAccuracy,
                            100 * heldOut.coverage, 100 * heldOut.answeredAccuracy)
                     + (heldOut.rejectsAnswered.map { String(format: ", negatives answered %.2f %%", 100 * $0) } ?? "")
                     + " (scans the pipeline read)")
        lines.append(String(format: "train with: --temperature %.4f --threshold %.2f", temperature, threshold)
                     + (rejectionBias > 0 ? String(format: " --rejection-bias %.2f", rejectionBias) : ""))
        return lines
    }

    /// The most frequent (truth → top class) confusions of the held-out scans, e.g. `7→1 12`.
    public static func confusions(_ results: [FoldResult], labels: [String], limit: Int = 12) -> [String] {
        var counts: [String: Int] = [:]
        for item in results.flatMap(\.scored) {
            guard let best = item.logits.indices.max(by: { item.logits[$0] < item.logits[$1] }), best != item.truth,
                  labels.indices.contains(best), labels.indices.contains(item.truth) else { continue }
            counts["\(labels[item.truth])→\(labels[best])", default: 0] += 1
        }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit).map { "\($0.key) \($0.value)" }
    }
}

extension LetterTrainingPlan {
    /// The calibration lines of a cross-validation run (none without held-out predictions).
    public func calibrationReport(_ results: [FoldResult]) -> [String] {
        let confusions = CalibrationSummary.confusions(results, labels: classes.labels)
        let target = calibrationTarget ?? CalibrationSummary.defaultTarget(for: classes)
        return (CalibrationSummary(results, rejection: classes.rejectionIndex, target: target,
                                   maxRejectsAnswered: maxRejectsAnswered)?.lines ?? [])
            + (confusions.isEmpty ? [] : ["most frequent confusions of held-out scans: " + confusions.joined(separator: ", ")])
    }
}
