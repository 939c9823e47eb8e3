import GlyphImaging

/// A stage that sees many normalized images at once, e.g. batched model inference.
public protocol BatchClassifier: Sendable {
    /// The best guesses for each image, most probable first; one array per image, in order.
    func classify(_ images: [Raster]) throws -> [[ManifestRecord.Guess]]
}
