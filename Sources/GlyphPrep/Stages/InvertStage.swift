/// Makes ink bright on a black background, as EMNIST stores letters.
///
/// `auto` looks at the image border, which is paper in a scan of a single letter: when the
/// border's median is brighter than mid-grey the image is dark-on-light and is inverted.
public struct InvertStage: PipelineStage {
    public static let name = "invert"
    public static let summary = "make ink bright on black (auto: decide from the border)"
    public static let parameters = [
        ParameterDoc("mode", "auto | always | never", default: "auto", "auto inverts when the border's median is above 127.5"),
        ParameterDoc("border", "fraction 0.01…0.5", default: "0.05", "width of the border ring auto examines, as a fraction of the shorter side"),
    ]

    /// When to invert.
    public enum Mode: String, Sendable, CaseIterable {
        case auto, always, never
    }

    public var mode: Mode = .auto
    public var border: Double = 0.05

    public init(mode: Mode = .auto, border: Double = 0.05) {
        self.mode = mode
        self.border = border
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case mode, border }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: CodingKeys.allCases.map(\.rawValue), in: Self.name)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mode = try container.decodeChoice(.mode, default: .auto)
        border = try container.decode(.border, default: 0.05, in: 0.01...0.5)
    }

    public var label: String { mode.rawValue }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        let flip: Bool
        switch mode {
        case .always: flip = true
        case .never: flip = false
        case .auto: flip = borderMedian(image) > 127.5
        }
        context.inverted = flip
        guard flip else { return image }
        var out = image
        out.pixels.withUnsafeMutableBufferPointer { pixels in
            for i in pixels.indices { pixels[i] = 255 - pixels[i] }
        }
        return out
    }

    /// The median of the pixels in the border ring.
    func borderMedian(_ image: Raster) -> Float {
        let ring = max(1, Int((Double(min(image.width, image.height)) * border).rounded()))
        var histogram = Histogram()
        for y in 0..<image.height {
            let inBand = y < ring || y >= image.height - ring
            if inBand {
                for x in 0..<image.width { histogram.add(image[x, y]) }
            } else {
                for x in 0..<min(ring, image.width) { histogram.add(image[x, y]) }
                for x in max(ring, image.width - ring)..<image.width { histogram.add(image[x, y]) }
            }
        }
        return histogram.percentile(50)
    }
}
