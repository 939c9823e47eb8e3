import Foundation

extension PhotoRenderer {
    /// The phone's sensor and image processing: shot noise that grows with the signal, read
    /// noise, blotchy chroma noise at high ISO, an unsharp-mask sharpening that halos edges, and
    /// a tone curve; then 8-bit gray, RGB or opaque RGBA.
    struct Sensor {
        /// 0 (bright daylight) … 1 (a dim room at high ISO).
        private let iso: Double
        private let sharpening: Float
        private let gamma: Float
        private let chroma: HashNoise
        private let chromaCell: Double

        init(lowLight: Bool, rng: inout SeededGenerator) {
            iso = lowLight ? rng.uniform(0.5, 1) : rng.uniform(0, 0.35)
            sharpening = rng.chance(0.6) ? Float(rng.uniform(0.2, 0.9)) : 0
            gamma = Float(rng.uniform(0.85, 1.15))
            chroma = HashNoise(rng: &rng)
            chromaCell = rng.uniform(2, 4)
        }

        /// Noise, sharpening and tone applied to linear RGB `radiance`, packed into `bands` bytes per pixel.
        func develop(_ radiance: [Float], width: Int, height: Int, bands: Int, rng: inout SeededGenerator) -> [UInt8] {
            var signal = radiance
            let shot = Float(0.004 + 0.03 * iso), read = Float(0.002 + 0.012 * iso), blotch = Float(0.025 * iso)
            for y in 0..<height {
                for x in 0..<width {
                    let i = (y * width + x) * 3
                    let cx = Double(x) / chromaCell, cy = Double(y) / chromaCell
                    let shift = (blotch * chroma.smooth(cx, cy), blotch * chroma.smooth(cx + 97.5, cy - 41.5))
                    for c in 0..<3 {
                        let v = max(0, signal[i + c])
                        signal[i + c] = v + (shot * v.squareRoot() + read) * Self.gaussian(rng.next())
                    }
                    signal[i] += shift.0
                    signal[i + 2] += shift.1
                    signal[i + 1] -= 0.5 * (shift.0 + shift.1)
                }
            }
            var bytes = [UInt8](repeating: 255, count: width * height * bands)
            for y in 0..<height {
                for x in 0..<width {
                    let i = (y * width + x) * 3
                    var rgb = (signal[i], signal[i + 1], signal[i + 2])
                    if sharpening > 0 {
                        let local = neighbourhood(signal, x: x, y: y, width: width, height: height)
                        rgb = (rgb.0 + sharpening * (rgb.0 - local.0), rgb.1 + sharpening * (rgb.1 - local.1),
                               rgb.2 + sharpening * (rgb.2 - local.2))
                    }
                    let o = (y * width + x) * bands
                    if bands == 1 {
                        bytes[o] = tone(0.299 * rgb.0 + 0.587 * rgb.1 + 0.114 * rgb.2)
                    } else {
                        bytes[o] = tone(rgb.0); bytes[o + 1] = tone(rgb.1); bytes[o + 2] = tone(rgb.2)
                    }
                }
            }
            return bytes
        }

        /// Mean of the 3×3 neighbourhood (edges clamped).
        @inline(__always)
        private func neighbourhood(_ s: [Float], x: Int, y: Int, width: Int, height: Int) -> (Float, Float, Float) {
            var sum: (Float, Float, Float) = (0, 0, 0)
            for dy in -1...1 {
                let row = min(height - 1, max(0, y + dy)) * width
                for dx in -1...1 {
                    let j = (row + min(width - 1, max(0, x + dx))) * 3
                    sum = (sum.0 + s[j], sum.1 + s[j + 1], sum.2 + s[j + 2])
                }
            }
            return (sum.0 / 9, sum.1 / 9, sum.2 / 9)
        }

        @inline(__always)
        private func tone(_ v: Float) -> UInt8 {
            let clipped = min(1, max(0, v))
            return UInt8(min(255, max(0, (255 * Foundation.pow(clipped, gamma)).rounded())))
        }

        /// An approximately standard normal number from 64 random bits (the sum of four 16-bit uniforms).
        @inline(__always)
        static func gaussian(_ bits: UInt64) -> Float {
            let sum = (bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) + ((bits >> 32) & 0xFFFF) + (bits >> 48)
            return (Float(sum) / 65536 - 2) * 1.7320508
        }
    }
}
