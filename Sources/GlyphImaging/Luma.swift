/// Luma coefficients applied to R, G, B.
public enum LumaWeights: String, Sendable, CaseIterable {
    case rec601, rec709

    public var coefficients: (Float, Float, Float) {
        switch self {
        case .rec601: return (0.299, 0.587, 0.114)
        case .rec709: return (0.2126, 0.7152, 0.0722)
        }
    }
}

extension Raster {
    /// A grayscale raster averaged over `factor`×`factor` blocks (itself when `factor` ≤ 1).
    public func lumaBoxReduced(by factor: Int) -> Raster {
        guard factor > 1, channels == 1 else { return self }
        let outWidth = (width + factor - 1) / factor, outHeight = (height + factor - 1) / factor
        var sums = [Float](repeating: 0, count: outWidth * outHeight)
        pixels.withUnsafeBufferPointer { pixels in
            sums.withUnsafeMutableBufferPointer { sums in
                for y in 0..<height {
                    let outRow = (y / factor) * outWidth, row = y * width
                    for outX in 0..<outWidth {
                        var x = outX * factor
                        let end = min(width, x + factor)
                        while x < end { sums[outRow + outX] += pixels[row + x]; x &+= 1 }
                    }
                }
            }
        }
        for outY in 0..<outHeight {
            let rows = Float(min(factor, height - outY * factor))
            for outX in 0..<outWidth { sums[outY * outWidth + outX] /= rows * Float(min(factor, width - outX * factor)) }
        }
        return Raster(width: outWidth, height: outHeight, channels: 1, pixels: sums)
    }

    /// Rec. 601 luma of packed 8-bit samples (1 or 3 channels), averaged over
    /// `factor`×`factor` blocks, in one pass; edge blocks average the pixels they have.
    /// Channels are summed exactly as integers per block and weighted once per output pixel
    /// (luma is linear, so this equals averaging per-pixel luma).
    public static func luma(fromBytes bytes: [UInt8], width: Int, height: Int, channels: Int, boxReducedBy factor: Int) -> Raster {
        bytes.withUnsafeBufferPointer { source in
            luma(fromSamples: source, firstRow: 0, rowStride: width * channels,
                 width: width, height: height, channels: channels, boxReducedBy: factor)
        }
    }

    /// `luma(fromBytes:…)` for rows that start at `firstRow + y × rowStride` in `source`.
    public static func luma(fromSamples source: UnsafeBufferPointer<UInt8>, firstRow: Int, rowStride: Int,
                     width: Int, height: Int, channels: Int, boxReducedBy factor: Int) -> Raster {
        let (wr, wg, wb) = LumaWeights.rec601.coefficients
        let factor = max(1, factor)
        let outWidth = (width + factor - 1) / factor, outHeight = (height + factor - 1) / factor
        let colour = channels >= 3
        var out = [Float](repeating: 0, count: outWidth * outHeight)
        var sums = [UInt32](repeating: 0, count: outWidth * (colour ? 3 : 1))
        sums.withUnsafeMutableBufferPointer { sums in
            out.withUnsafeMutableBufferPointer { out in
                for outY in 0..<outHeight {
                    for i in sums.indices { sums[i] = 0 }
                    let y0 = outY * factor, y1 = min(height, y0 + factor)
                    for y in y0..<y1 {
                        var i = firstRow + y * rowStride
                        var x = 0
                        for outX in 0..<outWidth {
                            let end = min(width, x + factor)
                            if colour {
                                var r: UInt32 = 0, g: UInt32 = 0, b: UInt32 = 0
                                while x < end {
                                    r &+= UInt32(source[i]); g &+= UInt32(source[i &+ 1]); b &+= UInt32(source[i &+ 2])
                                    i &+= channels
                                    x &+= 1
                                }
                                sums[3 &* outX] &+= r; sums[3 &* outX &+ 1] &+= g; sums[3 &* outX &+ 2] &+= b
                            } else {
                                var v: UInt32 = 0
                                while x < end {
                                    v &+= UInt32(source[i])
                                    i &+= channels
                                    x &+= 1
                                }
                                sums[outX] &+= v
                            }
                        }
                    }
                    let rows = Float(y1 - y0)
                    for outX in 0..<outWidth {
                        let count = rows * Float(min(factor, width - outX * factor))
                        let value = colour
                            ? wr * Float(sums[3 * outX]) + wg * Float(sums[3 * outX + 1]) + wb * Float(sums[3 * outX + 2])
                            : Float(sums[outX])
                        out[outY * outWidth + outX] = value / count
                    }
                }
            }
        }
        return Raster(width: outWidth, height: outHeight, channels: 1, pixels: out)
    }
}
