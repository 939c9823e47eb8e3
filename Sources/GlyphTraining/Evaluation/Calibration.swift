import Foundation
import GlyphModel

/// Calibrating a classifier's probabilities: one temperature T that divides the logits
/// (softmax(z / T)), fit by minimising the negative log-likelihood of held-out predictions; the
/// expected calibration error (ECE) that measures how far "p = 0.9" is from "right 90 % of the
/// time"; and the abstention threshold that makes the answered predictions reach a target
/// accuracy.
public enum Calibration {
    /// One held-out prediction: the model's logits (or log-probabilities) and the true class.
    public struct Scored: Sendable, Equatable {
        public var logits: [Float]
        public var truth: Int

        public init(logits: [Float], truth: Int) {
            self.logits = logits
            self.truth = truth
        }
    }

    /// `scored` with `bias` subtracted from the rejection class's logit: a shift of that class's
    /// prior, so it wins less often (bias > 0) without retraining. Unchanged without a rejection class.
    public static func shifted(_ scored: [Scored], rejection: Int?, bias: Double) -> [Scored] {
        guard let rejection, bias != 0 else { return scored }
        return scored.map { item in
            var item = item
            if item.logits.indices.contains(rejection) { item.logits[rejection] -= Float(bias) }
            return item
        }
    }

    /// Share of `scored` whose top class is the true one (0 without data).
    public static func accuracy(_ scored: [Scored]) -> Double {
        guard !scored.isEmpty else { return 0 }
        return Double(scored.filter { argmax($0.logits) == $0.truth }.count) / Double(scored.count)
    }

    /// softmax(logits / temperature).
    public static func probabilities(_ logits: [Float], temperature: Double) -> [Float] {
        ONNXClassifier.softmax(logits.map { $0 / Float(temperature) })
    }

    /// Mean negative log-likelihood of the true classes at `temperature`.
    public static func negativeLogLikelihood(_ scored: [Scored], temperature: Double) -> Double {
        guard !scored.isEmpty else { return 0 }
        var total = 0.0
        for item in scored {
            let z = item.logits.map { Double($0) / temperature }
            guard let peak = z.max(), z.indices.contains(item.truth) else { continue }
            let logSum = peak + log(z.reduce(0) { $0 + exp($1 - peak) })
            total += logSum - z[item.truth]
        }
        return total / Double(scored.count)
    }

    /// The temperature in 0.05…20 with the smallest negative log-likelihood (golden-section
    /// search over log T; the likelihood is convex in 1/T); 1 without data.
    public static func fitTemperature(_ scored: [Scored]) -> Double {
        guard !scored.isEmpty else { return 1 }
        var low = log(0.05), high = log(20.0)
        let ratio = (sqrt(5.0) - 1) / 2
        var a = high - ratio * (high - low), b = low + ratio * (high - low)
        var fa = negativeLogLikelihood(scored, temperature: exp(a))
        var fb = negativeLogLikelihood(scored, temperature: exp(b))
        for _ in 0..<60 {
            if fa <= fb {
                high = b; b = a; fb = fa
                a = high - ratio * (high - low)
                fa = negativeLogLikelihood(scored, temperature: exp(a))
            } else {
                low = a; a = b; fa = fb
                b = low + ratio * (high - low)
                fb = negativeLogLikelihood(scored, temperature: exp(b))
            }
        }
        return exp((low + high) / 2)
    }

    /// The top class and its probability at `temperature`, per prediction.
    public static func decisions(_ scored: [Scored], temperature: Double) -> [(predicted: Int, confidence: Double)] {
        scored.map { item in
            let p = probabilities(item.logits, temperature: temperature)
            let best = argmax(p)
            return (best, p.isEmpty ? 0 : Double(p[best]))
        }
    }

    /// Expected calibration error: predictions binned by confidence into `bins` equal bins, the
    /// mean |accuracy − confidence| of the bins weighted by their share of predictions.
    public static func expectedCalibrationError(confidences: [Double], correct: [Bool], bins: Int = 15) -> Double {
        guard !confidences.isEmpty, confidences.count == correct.count, bins > 0 else { return 0 }
        return reliabilityBins(confidences: confidences, correct: correct, bins: bins).reduce(0) { error, bin in
            error + abs(bin.accuracy - bin.meanConfidence) * Double(bin.count) / Double(confidences.count)
        }
    }

    /// One bin of a reliability diagram: predictions whose confidence fell in `lower..<upper`.
    public struct ReliabilityBin: Sendable, Equatable {
        public var lower: Double
        public var upper: Double
        public var count: Int
        /// Share of the bin's predictions that were right, and their mean confidence (0 when empty).
        public var accuracy: Double
        public var meanConfidence: Double
    }

    /// Predictions binned by confidence into `bins` equal bins (1.0 goes into the last), as
    /// a reliability diagram shows them.
    public static func reliabilityBins(confidences: [Double], correct: [Bool], bins: Int = 10) -> [ReliabilityBin] {
        guard bins > 0 else { return [] }
        var count = [Int](repeating: 0, count: bins), right = [Int](repeating: 0, count: bins)
        var sum = [Double](repeating: 0, count: bins)
        for (confidence, isRight) in zip(confidences, correct) {
            let bin = min(bins - 1, max(0, Int(confidence * Double(bins))))
            count[bin] += 1
            sum[bin] += confidence
            right[bin] += isRight ? 1 : 0
        }
        return (0..<bins).map { bin in
            ReliabilityBin(lower: Double(bin) / Double(bins), upper: Double(bin + 1) / Double(bins), count: count[bin],
                           accuracy: count[bin] > 0 ? Double(right[bin]) / Double(count[bin]) : 0,
                           meanConfidence: count[bin] > 0 ? sum[bin] / Double(count[bin]) : 0)
        }
    }

    /// ECE of `scored` at `temperature`.
    public static func expectedCalibrationError(_ scored: [Scored], temperature: Double, bins: Int = 15) -> Double {
        let decided = decisions(scored, temperature: temperature)
        return expectedCalibrationError(confidences: decided.map(\.confidence),
                                        correct: zip(decided, scored).map { $0.predicted == $1.truth }, bins: bins)
    }

    /// What answering only at confidence ≥ `threshold` does: the share answered and the accuracy
    /// of the answered ones (1 when none is answered). A prediction of `rejection` is no answer.
    public static func coverage(_ scored: [Scored], temperature: Double, threshold: Double,
                                rejection: Int? = nil) -> (coverage: Double, accuracy: Double) {
        guard !scored.isEmpty else { return (0, 1) }
        var answered = 0, right = 0
        for (decision, item) in zip(decisions(scored, temperature: temperature), scored)
        where decision.confidence >= threshold && decision.predicted != rejection {
            answered += 1
            right += decision.predicted == item.truth ? 1 : 0
        }
        return (Double(answered) / Double(scored.count), answered > 0 ? Double(right) / Double(answered) : 1)
    }

    /// The smallest threshold on the 0.01 grid whose answered predictions reach `target`
    /// accuracy (0 when all of them already do; 0.99 at most).
    public static func threshold(_ scored: [Scored], temperature: Double, target: Double,
                                 rejection: Int? = nil) -> Double {
        for step in 0..<100 {
            let threshold = Double(step) / 100
            if coverage(scored, temperature: temperature, threshold: threshold, rejection: rejection).accuracy >= target {
                return threshold
            }
        }
        return 0.99
    }
}
