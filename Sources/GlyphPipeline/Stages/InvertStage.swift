import GlyphImaging

/// Makes ink bright on a black background, as EMNIST stores letters.
///
/// `auto` decides from the ink itself: it subtracts a smooth estimate of the paper level (as
/// `flatten_background` does, so vignettes, shadows and desk edges do not count) and compares
/// the two tails of what is left. Ink makes one tail long: dark ink on light paper a long
/// dark tail (inverted), chalk or white ink on a dark ground a long bright one (kept).
public struct InvertStage: PipelineStage {
    public static let name = "invert"
    public static let summary = "make ink bright on black (auto: from which side of the paper level the ink lies)"
    public static let parameters: [StageParameter<Self>] = [
        .choice("mode", \.mode, "auto inverts when the ink is darker than the paper around it"),
        .number("tail", \.tail, in: 0.01...10, unit: "percent", "share of pixels in each tail that auto compares"),
    ]

    /// When to invert.
    public enum Mode: String, Sendable, CaseIterable {
        case auto, always, never
    }

    public var mode: Mode = .auto
    public var tail: Double = 0.2

    public init() {}

    public var label: String { mode.rawValue }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        let flip: Bool
        switch mode {
        case .always: flip = true
        case .never: flip = false
        case .auto: flip = inkIsDark(image)
        }
        context.inverted = flip
        guard flip else { return image }
        var out = image
        out.pixels.withUnsafeMutableBufferPointer { pixels in
            for i in pixels.indices { pixels[i] = 255 - pixels[i] }
        }
        return out
    }

    /// How many times further one histogram tail must lie from the median than the other for
    /// the global test to decide.
    static let decisiveRatio = 3.0

    /// Whether the ink is darker than the paper: from the whole histogram when one tail is
    /// clearly longer, else whether the residual after removing the paper level has a longer
    /// dark tail than bright tail. Decided on a copy box-reduced to about 128 px on the shorter
    /// side: enough for the tails, and a fraction of the work.
    func inkIsDark(_ image: Raster) -> Bool {
        let factor = max(1, min(image.width, image.height) / 128)
        let small = image.lumaBoxReduced(by: factor)
        // A clear global answer first: paper (or a board) is most of the picture, so its median
        // lies near one end of the histogram. This keeps a dark desk or sheet edge in a photo,
        // whose step the local test below reads as bright ink on the paper side, from deciding.
        let whole = Histogram(small.pixels)
        let median = Double(whole.percentile(50))
        let darkSpread = median - whole.mean(ofLowest: tail)
        let brightSpread = whole.mean(ofHighest: tail) - median
        if darkSpread > Self.decisiveRatio * max(brightSpread, 1) { return true }
        if brightSpread > Self.decisiveRatio * max(darkSpread, 1) { return false }
        let background = FlattenBackgroundStage().estimate(small)
        var residuals = Histogram(offset: 255)
        for (value, level) in zip(small.pixels, background) { residuals.add(value - level) }
        let dark = residuals.mean(ofLowest: tail)
        let bright = residuals.mean(ofHighest: tail)
        return abs(dark) > abs(bright)
    }
}
