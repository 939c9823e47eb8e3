import Foundation
import GlyphImaging

/// Gaussian blur (EMNIST blurs its letters with σ = 1 before cropping).
///
/// The same filter as libvips' `gaussblur` at float precision — a separable mask of
/// exp(−x²/2σ²) out to where it falls below 0.2 of its peak, normalised, edges extended by
/// copying — computed in two passes over the raster instead of a round trip through libvips,
/// which cost more than the blur itself on images this small.
public struct BlurStage: PipelineStage {
    public static let name = "blur"
    public static let summary = "Gaussian blur (libvips gaussblur's mask, float precision)"
    public static let parameters: [StageParameter<Self>] = [
        .number("sigma", \.sigma, in: 0.1...50, "standard deviation in pixels of the page's working scale"),
    ]

    public var sigma: Double = 1

    public init() {}

    public var label: String { "σ \(sigma.compact)" }

    /// The normalised one-dimensional mask, centre in the middle (libvips' `gaussmat` with
    /// `min_ampl` 0.2; a single tap, i.e. no blur, below σ ≈ 0.56).
    static func mask(sigma: Double) -> [Float] {
        let twoSigmaSquared = 2 * sigma * sigma
        let limit = min(2000, max(0, Int(8 * sigma)))
        var radius = 0
        while radius + 1 < limit && exp(-Double((radius + 1) * (radius + 1)) / twoSigmaSquared) >= 0.2 { radius += 1 }
        let weights = (-radius...radius).map { exp(-Double($0 * $0) / twoSigmaSquared) }
        let total = weights.reduce(0, +)
        return weights.map { Float($0 / total) }
    }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        let mask = Self.mask(sigma: sigma * context.pixelScale)
        guard mask.count > 1 else { return image }
        let radius = mask.count / 2
        let width = image.width, height = image.height, channels = image.channels
        let rowLength = width * channels
        // Both passes add one tap at a time over a whole row (in the same order as a per-pixel
        // sum), which the compiler vectorises; rows are padded by copying their end pixels.
        var horizontal = [Float](repeating: 0, count: image.pixels.count)
        var padded = [Float](repeating: 0, count: (width + 2 * radius) * channels)
        image.pixels.withUnsafeBufferPointer { source in
            horizontal.withUnsafeMutableBufferPointer { out in
                padded.withUnsafeMutableBufferPointer { padded in
                    guard let paddedBase = padded.baseAddress, let sourceBase = source.baseAddress,
                          let outBase = out.baseAddress else { return }
                    for y in 0..<height {
                        let row = sourceBase + y * rowLength
                        for x in 0..<radius {
                            for c in 0..<channels {
                                paddedBase[x * channels + c] = row[c]
                                paddedBase[(radius + width + x) * channels + c] = row[(width - 1) * channels + c]
                            }
                        }
                        (paddedBase + radius * channels).update(from: row, count: rowLength)
                        let target = outBase + y * rowLength
                        for k in 0..<mask.count {
                            let weight = mask[k], from = paddedBase + k * channels
                            for i in 0..<rowLength { target[i] += weight * from[i] }
                        }
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: image.pixels.count)
        horizontal.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { out in
                guard let sourceBase = source.baseAddress, let outBase = out.baseAddress else { return }
                for y in 0..<height {
                    let target = outBase + y * rowLength
                    for k in 0..<mask.count {
                        let from = sourceBase + min(height - 1, max(0, y + k - radius)) * rowLength
                        let weight = mask[k]
                        for i in 0..<rowLength { target[i] += weight * from[i] }
                    }
                }
            }
        }
        return Raster(width: width, height: height, channels: channels, pixels: out)
    }
}
