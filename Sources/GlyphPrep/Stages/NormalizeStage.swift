/// Auto-levels: maps the paper level to black and the ink level to white.
///
/// Levels come from robust percentiles of the (already inverted) image: the paper is most of
/// a letter scan, so the median is the paper; the ink is the top of the histogram. Faint
/// pencil and dark marker end alike. An image whose ink is within `min_contrast` grey levels
/// of its paper has no ink to stretch and becomes black (then `crop_to_bbox` reports `no_ink`).
public struct NormalizeStage: PipelineStage {
    public static let name = "normalize"
    public static let summary = "auto-levels: paper percentile to 0, ink percentile to 255"
    public static let parameters = [
        ParameterDoc("paper_percentile", "0…100", default: "50", "percentile taken as the paper level"),
        ParameterDoc("ink_percentile", "0…100", default: "99.5", "percentile taken as the ink level"),
        ParameterDoc("min_contrast", "0…255", default: "24", "ink minus paper below this means a blank image"),
        ParameterDoc("ignore_border", "fraction 0…0.4", default: "0", "leave this band along each edge out of the percentiles (desk and sheet edges in photos)"),
    ]

    public var paperPercentile: Double = 50
    public var inkPercentile: Double = 99.5
    public var minContrast: Double = 24
    public var ignoreBorder: Double = 0

    public init(paperPercentile: Double = 50, inkPercentile: Double = 99.5, minContrast: Double = 24, ignoreBorder: Double = 0) {
        self.paperPercentile = paperPercentile
        self.inkPercentile = inkPercentile
        self.minContrast = minContrast
        self.ignoreBorder = ignoreBorder
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case paperPercentile = "paper_percentile", inkPercentile = "ink_percentile", minContrast = "min_contrast"
        case ignoreBorder = "ignore_border"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: CodingKeys.allCases.map(\.rawValue), in: Self.name)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        paperPercentile = try container.decode(.paperPercentile, default: 50, in: 0...100)
        inkPercentile = try container.decode(.inkPercentile, default: 99.5, in: 0...100)
        minContrast = try container.decode(.minContrast, default: 24, in: 0...255)
        ignoreBorder = try container.decode(.ignoreBorder, default: 0, in: 0...0.4)
        guard inkPercentile > paperPercentile else {
            throw DecodingError.dataCorruptedError(
                forKey: .inkPercentile, in: container,
                debugDescription: "ink_percentile (\(inkPercentile)) must be above paper_percentile (\(paperPercentile))")
        }
    }

    public var label: String { "p\(paperPercentile.compact)–p\(inkPercentile.compact)" }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        let histogram = ignoreBorder > 0 ? Histogram(image.cropped(to: innerRect(image)).pixels) : Histogram(image.pixels)
        let paper = histogram.percentile(paperPercentile)
        let ink = histogram.percentile(inkPercentile)
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
