/// Converts sRGB to luma with the Rec. 601 weights (0.299 R + 0.587 G + 0.114 B) on the
/// gamma-encoded values: the same Y that JPEG stores, and that Pillow's `L` and OpenCV's
/// `cvtColor(…GRAY)` compute, so a luma-only JPEG decode gives the same image.
/// Rec. 709 weights (0.2126, 0.7152, 0.0722) are available for images that expect them.
public struct GrayscaleStage: PipelineStage {
    public static let name = "grayscale"
    public static let summary = "sRGB to luma (Rec. 601 weights by default)"
    public static let parameters = [
        ParameterDoc("weights", "rec601 | rec709", default: "rec601", "luma coefficients applied to R, G, B"),
    ]
    public static let needsGrayscale = false

    /// Luma coefficients.
    public enum Weights: String, Sendable, CaseIterable {
        case rec601, rec709

        var coefficients: (Float, Float, Float) {
            switch self {
            case .rec601: return (0.299, 0.587, 0.114)
            case .rec709: return (0.2126, 0.7152, 0.0722)
            }
        }
    }

    public var weights: Weights = .rec601

    public init(weights: Weights = .rec601) { self.weights = weights }

    enum CodingKeys: String, CodingKey, CaseIterable { case weights }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: CodingKeys.allCases.map(\.rawValue), in: Self.name)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        weights = try container.decodeChoice(.weights, default: .rec601)
    }

    public var label: String { weights.rawValue }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        guard image.channels == 3 else { return image }
        let (wr, wg, wb) = weights.coefficients
        let count = image.width * image.height
        let gray = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            image.pixels.withUnsafeBufferPointer { rgb in
                for i in 0..<count {
                    buffer[i] = wr * rgb[3 * i] + wg * rgb[3 * i + 1] + wb * rgb[3 * i + 2]
                }
            }
            initialized = count
        }
        return Raster(width: image.width, height: image.height, channels: 1, pixels: gray)
    }
}

extension Raster {
    /// A grayscale raster averaged over `factor`×`factor` blocks (itself when `factor` ≤ 1).
    func lumaBoxReduced(by factor: Int) -> Raster {
        guard factor > 1, channels == 1 else { return self }
        let outWidth = (width + factor - 1) / factor, outHeight = (height + factor - 1) / factor
        var sums = [Float](repeating: 0, count: outWidth * outHeight)
        for y in 0..<height {
            let outRow = (y / factor) * outWidth
            for x in 0..<width { sums[outRow + x / factor] += pixels[y * width + x] }
        }
        for outY in 0..<outHeight {
            let rows = Float(min(factor, height - outY * factor))
            for outX in 0..<outWidth { sums[outY * outWidth + outX] /= rows * Float(min(factor, width - outX * factor)) }
        }
        return Raster(width: outWidth, height: outHeight, channels: 1, pixels: sums)
    }

    /// Rec. 601 luma of packed 8-bit samples (1 or 3 channels), averaged over
    /// `factor`×`factor` blocks, in one pass; edge blocks average the pixels they have.
    static func luma(fromBytes bytes: [UInt8], width: Int, height: Int, channels: Int, boxReducedBy factor: Int) -> Raster {
        let (wr, wg, wb) = GrayscaleStage.Weights.rec601.coefficients
        let factor = max(1, factor)
        let outWidth = (width + factor - 1) / factor, outHeight = (height + factor - 1) / factor
        var sums = [Float](repeating: 0, count: outWidth * outHeight)
        bytes.withUnsafeBufferPointer { source in
            sums.withUnsafeMutableBufferPointer { out in
                for y in 0..<height {
                    let outRow = (y / factor) * outWidth
                    var i = y * width * channels
                    for x in 0..<width {
                        let luma = channels >= 3
                            ? wr * Float(source[i]) + wg * Float(source[i + 1]) + wb * Float(source[i + 2])
                            : Float(source[i])
                        out[outRow + x / factor] += luma
                        i += channels
                    }
                }
                if factor > 1 {
                    for outY in 0..<outHeight {
                        let rows = Float(min(factor, height - outY * factor))
                        for outX in 0..<outWidth {
                            out[outY * outWidth + outX] /= rows * Float(min(factor, width - outX * factor))
                        }
                    }
                }
            }
        }
        return Raster(width: outWidth, height: outHeight, channels: 1, pixels: sums)
    }
}
