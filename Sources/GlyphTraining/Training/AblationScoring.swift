import Foundation
import GlyphPipeline

/// An ensemble's accuracy on letters rendered with one renderer effect switched off.
public struct AblationScore: Sendable, Equatable {
    public var effect: ScanAblation
    /// Images right (images the pipeline failed on count as wrong).
    public var correct: Double
    public var images: Int
    /// Images the pipeline failed on.
    public var failures: Int
    /// The most frequent confusions per writer, for the `baseline` and `all` effects only.
    public var confusions: [String]
    public var seconds: Double
}

extension LetterModelTraining {
    /// Scores `models` on `samples` rendered `variants` times each with `effect` switched off.
    public static func scoreAblation(
        _ effect: ScanAblation, models: [TrainedModel], samples: [StrokeSample], renderer: LetterDataRenderer,
        variants: Int, pipeline: Pipeline
    ) throws -> AblationScore {
        var ablated = renderer
        ablated.variants = variants
        ablated.ablation = effect
        let started = Date()
        let sets = try ablated.render(samples, route: .scan, pipelines: [pipeline])[0]
        var score = AblationScore(effect: effect, correct: 0, images: 0, failures: 0, confusions: [], seconds: 0)
        for set in sets {
            score.correct += (try accuracy(of: models, on: set) ?? 0) * Double(set.count)
            score.images += set.count
            score.failures += set.failures
            if effect == .baseline || effect == .all {
                score.confusions += try confusions(of: models, on: set, labels: renderer.classes.labels)
            }
        }
        score.seconds = Date().timeIntervalSince(started)
        return score
    }
}
