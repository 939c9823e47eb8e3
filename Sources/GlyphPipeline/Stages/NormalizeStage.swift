import GlyphImaging

/// Auto-levels: maps the paper level to black and the ink level to white.
///
/// Levels come from robust percentiles of the (already inverted) image: the paper is most of
/// a letter scan, so the median is the paper; the ink is the top of the histogram. Faint
/// pencil and dark marker end alike. When the ink percentile is within `min_contrast` of the
/// paper, the letter may just be very small: the percentile ten times closer to 100 (99.99 for
/// 99.9) is tried. An image whose ink is still within `min_contrast` grey levels of its paper
/// has no ink to stretch and becomes black (then `crop_to_bbox` reports `no_ink`).
///
/// With `clear_border`, bright regions connected to the image edge (the desk or the sheet's
/// edge in a phone photo, which inversion makes brighter than any ink) are set to the paper
/// level before the ink level is taken, so they cannot stand in for the ink and leave the
/// letter dim or black. They stay in the image (still touching the edge, where
/// `crop_to_bbox`'s `ignore_border` skips them).
public struct NormalizeStage: PipelineStage {
    public static let name = "normalize"
    public static let summary = "auto-levels: paper percentile to 0, ink percentile to 255"
    public static let parameters: [StageParameter<Self>] = [
        .number("paper_percentile", \.paperPercentile, in: 0...100, "percentile taken as the paper level"),
        .number("ink_percentile", \.inkPercentile, in: 0...100, "percentile taken as the ink level"),
        .number("min_contrast", \.minContrast, in: 0...255, "ink minus paper below this means a blank image"),
        .number("ignore_border", \.ignoreBorder, in: 0...0.4, unit: "fraction", "leave this band along each edge out of the percentiles (desk and sheet edges in photos)"),
        .flag("clear_border", \.clearBorder, "leave regions brighter than halfway to the ink level that touch the image edge (desk, sheet edges) out of the levels"),
    ]

    public var paperPercentile: Double = 50
    public var inkPercentile: Double = 99.5
    public var minContrast: Double = 24
    public var ignoreBorder: Double = 0
    public var clearBorder = false

    public func validate() throws(ParameterProblem) {
        guard inkPercentile > paperPercentile else {
            throw ParameterProblem("ink_percentile", "ink_percentile (\(inkPercentile)) must be above paper_percentile (\(paperPercentile))")
        }
    }

    public init() {}

    public var label: String { "p\(paperPercentile.compact)–p\(inkPercentile.compact)" + (clearBorder ? ", clear border" : "") }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        var (paper, ink) = levels(image, excluding: nil)
        var excluded: [Bool]?
        if clearBorder {
            // Up to three rounds: once a bright desk is left out, its dimmer rim may still be
            // the brightest thing, and it is connected to the edge too.
            for _ in 0..<3 where Double(ink - paper) >= minContrast {
                let mask = Self.borderRegions(image, above: paper + 0.5 * (ink - paper))
                guard mask != excluded, mask.contains(true) else { break }
                excluded = mask
                (paper, ink) = levels(image, excluding: mask)
            }
        }
        if Double(ink - paper) < minContrast {
            // A letter smaller than the ink percentile's share of the image (a small i on a
            // large page) leaves that percentile on the paper: look ten times closer to the top.
            let fine = levels(image, excluding: excluded, inkPercentile: 100 - (100 - inkPercentile) / 10).ink
            if Double(fine - paper) >= minContrast { ink = fine }
        }
        var out = image
        guard Double(ink - paper) >= minContrast else {
            out.pixels = [Float](repeating: 0, count: image.pixels.count)
            return out
        }
        let scale = 255 / (ink - paper)
        out.pixels.withUnsafeMutableBufferPointer { pixels in
            for i in pixels.indices { pixels[i] = min(255, max(0, (pixels[i] - paper) * scale)) }
        }
        return out
    }
}

extension NormalizeStage {
    /// The paper and ink levels (percentiles) of `image`, leaving out the pixels `excluding`
    /// marks (and, with `ignoreBorder`, the edge bands).
    func levels(_ image: Raster, excluding mask: [Bool]?, inkPercentile: Double? = nil) -> (paper: Float, ink: Float) {
        let inkPercentile = inkPercentile ?? self.inkPercentile
        guard let mask, mask.count == image.pixels.count else {
            let histogram = ignoreBorder > 0 ? Histogram(image.cropped(to: innerRect(image)).pixels) : Histogram(image.pixels)
            return (histogram.percentile(paperPercentile), histogram.percentile(inkPercentile))
        }
        let inner = ignoreBorder > 0 ? innerRect(image) : PixelRect(x: 0, y: 0, width: image.width, height: image.height)
        var histogram = Histogram()
        for y in inner.y..<(inner.y + inner.height) {
            for x in inner.x..<(inner.x + inner.width) where !mask[y * image.width + x] {
                histogram.add(image.pixels[y * image.width + x])
            }
        }
        guard histogram.total > 0 else { return levels(image, excluding: nil, inkPercentile: inkPercentile) }
        return (histogram.percentile(paperPercentile), histogram.percentile(inkPercentile))
    }

    /// The pixels of 8-connected groups above `level` that touch the image edge (one channel).
    static func borderRegions(_ image: Raster, above level: Float) -> [Bool] {
        let width = image.width, height = image.height
        guard image.channels == 1, width > 0, height > 0 else { return [Bool](repeating: false, count: image.pixels.count) }
        var regions = BrightRegions(image, above: level)
        for x in 0..<width {
            regions.fill(from: x) { _, _ in }
            regions.fill(from: (height - 1) * width + x) { _, _ in }
        }
        for y in 0..<height {
            regions.fill(from: y * width) { _, _ in }
            regions.fill(from: y * width + width - 1) { _, _ in }
        }
        return regions.visited
    }

    /// The image without a band of `ignoreBorder` × the shorter side along each edge.
    func innerRect(_ image: Raster) -> PixelRect {
        let band = min(Int(Double(min(image.width, image.height)) * ignoreBorder), (min(image.width, image.height) - 1) / 2)
        return PixelRect(x: band, y: band, width: image.width - 2 * band, height: image.height - 2 * band)
    }
}

extension Double {
    /// The number without a trailing `.0`, for labels.
    var compact: String {
        self == rounded() && abs(self) < 1e9 ? String(Int(self)) : String(self)
    }
}
