import GlyphImaging

/// A stage that sees many normalized images at once, e.g. batched model inference.
public protocol BatchClassifier: Sendable {
    /// The best guesses for each image, most probable first; one array per image, in order.
    func classify(_ images: [Raster]) throws -> [[ManifestRecord.Guess]]
    /// The prediction to record for an image's guesses, or nil with the reason it is withheld.
    func decide(_ top: [ManifestRecord.Guess]) -> (prediction: String?, reason: String?)
}

extension BatchClassifier {
    /// The first guess, never withheld.
    public func decide(_ top: [ManifestRecord.Guess]) -> (prediction: String?, reason: String?) {
        (top.first?.label, nil)
    }
}

extension ManifestRecord {
    /// Records `top` and the decision `classifier` makes on it. A reason found before
    /// classifying (`several_glyphs`) stands: the line then has no prediction.
    public mutating func record(_ top: [Guess], from classifier: any BatchClassifier) {
        let decision = classifier.decide(top)
        self.top = top
        prediction = decision.prediction
        reason = reason ?? decision.reason
    }
}
