import GlyphImaging

/// Converts sRGB to luma with the Rec. 601 weights (0.299 R + 0.587 G + 0.114 B) on the
/// gamma-encoded values: the same Y that JPEG stores, and that Pillow's `L` and OpenCV's
/// `cvtColor(…GRAY)` compute, so a luma-only JPEG decode gives the same image.
/// Rec. 709 weights (0.2126, 0.7152, 0.0722) are available for images that expect them.
public struct GrayscaleStage: PipelineStage {
    public static let name = "grayscale"
    public static let summary = "sRGB to luma (Rec. 601 weights by default)"
    public static let parameters: [StageParameter<Self>] = [
        .choice("weights", \.weights, "luma coefficients applied to R, G, B"),
    ]
    public static let needsGrayscale = false
    public static let makesGrayscale = true

    /// Luma coefficients.
    public typealias Weights = LumaWeights

    public var weights: Weights = .rec601

    /// Rec. 601 luma is what a luma-only JPEG decode gives.
    public var acceptsLumaDecode: Bool { weights == .rec601 }

    public init() {}

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
