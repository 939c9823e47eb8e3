import Foundation

/// Scoring trained models, alone or as an ensemble, on rendered letters.
extension LetterModelTraining {
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

    /// The class an ensemble picks for each image: the largest mean log-probability, which is
    /// the largest mean logit (as in `TrainedModel.ensembleONNXBuilder`).
    public static func predictions(of models: [TrainedModel], on images: WriterImages) throws -> [Int] {
        try meanLogProbabilities(of: models, on: images).map(argmax)
    }

    /// The held-out predictions of an ensemble for calibration: per image the pipeline did not
    /// fail on, its mean log-probabilities (the logits of the exported graph, up to a constant
    /// per image) and its true class.
    public static func scored(of models: [TrainedModel], on images: WriterImages?) throws -> [Calibration.Scored] {
        guard let images, images.count > 0 else { return [] }
        let logits = try meanLogProbabilities(of: models, on: images)
        return (0..<images.count).filter { !images.failed[$0] }.map {
            Calibration.Scored(logits: logits[$0], truth: images.labels[$0])
        }
    }

    /// Per image, the mean over `models` of the log-probabilities.
    static func meanLogProbabilities(of models: [TrainedModel], on images: WriterImages) throws -> [[Float]] {
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
        let scale = 1 / Float(max(models.count, 1))
        return total.map { $0.map { $0 * scale } }
    }

    /// The most frequent (truth, predicted) confusions of `models` on `images` (failed images
    /// left out), most frequent first, as "truth→predicted count" strings.
    public static func confusions(of models: [TrainedModel], on images: WriterImages, limit: Int = 12,
                                  labels: [String] = LetterDataRenderer.labels) throws -> [String] {
        let predicted = try predictions(of: models, on: images)
        var counts: [String: Int] = [:]
        for i in 0..<images.count where !images.failed[i] && predicted[i] != images.labels[i] {
            counts["\(labels[images.labels[i]])→\(labels[predicted[i]])", default: 0] += 1
        }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(limit).map { "\($0.key) \($0.value)" }
    }
}
