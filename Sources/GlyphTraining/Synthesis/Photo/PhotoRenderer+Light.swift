import Foundation

extension PhotoRenderer {
    /// How the scene is lit and how the camera sees the light: a lamp above the sheet (inverse
    /// square and cosine falloff) plus ambient light, maybe the soft shadow of a hand or phone
    /// that blocks the lamp, the lens's cos⁴ vignetting, exposure and a white-balance cast.
    struct Lighting {
        /// The share of light that comes from everywhere (no falloff, no shadow).
        let ambient: Float
        private let lamp: (x: Double, y: Double, height: Double)
        /// The lamp's irradiance at the letter, which the lamp term is divided by.
        private let lampAtLetter: Double
        /// Shadow edge in pixels: unit normal, offset, softness, depth, and a wavy outline.
        private let shadow: (nx: Double, ny: Double, offset: Double, softness: Double, depth: Float,
                             wave: Double, period: Double, phase: Double)?
        private let vignetting: Float
        private let exposure: Float
        /// Per-channel gains of the residual colour cast, exposure included.
        let gains: (Float, Float, Float)

        init(camera: Camera, lowLight: Bool, rng: inout SeededGenerator) {
            ambient = Float(rng.uniform(0.25, 0.65))
            let height = rng.uniform(200, 800), away = height * rng.uniform(0, 1.2), angle = rng.uniform(0, 2 * Double.pi)
            lamp = (away * cos(angle), away * sin(angle), height)
            lampAtLetter = Self.falloff(dx: lamp.x, dy: lamp.y, height: height)
            let short = Double(min(camera.width, camera.height))
            if rng.chance(0.35) {
                let a = rng.uniform(0, 2 * Double.pi)
                let (nx, ny) = (cos(a), sin(a))
                // The shadow covers the side where n·p < offset: from an edge up to 10…45 % in.
                let corner = [(0.0, 0.0), (Double(camera.width), 0), (0, Double(camera.height)), (Double(camera.width), Double(camera.height))]
                    .map { nx * $0.0 + ny * $0.1 }
                let lowest = corner.min() ?? 0, highest = corner.max() ?? 0
                shadow = (nx, ny, lowest + (highest - lowest) * rng.uniform(0.1, 0.45), short * rng.uniform(0.03, 0.12),
                          Float(rng.uniform(0.45, 0.85)), short * rng.uniform(0, 0.025), short * rng.uniform(0.3, 0.8),
                          rng.uniform(0, 2 * Double.pi))
            } else {
                shadow = nil
            }
            vignetting = Float(rng.uniform(0.3, 1))
            exposure = Float(lowLight ? rng.uniform(0.6, 0.85) : rng.uniform(0.8, 1.08))
            let warmth = max(-1, min(1.5, rng.normal(mean: 0.15, deviation: 0.5))), tint = rng.normal(mean: 0, deviation: 0.4)
            gains = (exposure * Float(1 + 0.1 * warmth), exposure * Float(1 + 0.05 * tint), exposure * Float(1 - 0.22 * warmth))
        }

        /// Irradiance on a horizontal surface `dx`, `dy` from below a point light at `height`.
        private static func falloff(dx: Double, dy: Double, height: Double) -> Double {
            let d2 = dx * dx + dy * dy + height * height
            return height / (d2 * d2.squareRoot())
        }

        /// Light reaching the camera from sheet point (`sheetX`, `sheetY`), seen at pixel (`px`, `py`).
        @inline(__always)
        func irradiance(sheetX: Double, sheetY: Double, px: Double, py: Double, camera: Camera) -> Float {
            var key = Float(Self.falloff(dx: sheetX - lamp.x, dy: sheetY - lamp.y, height: lamp.height) / lampAtLetter)
            key = min(key, 1.6)
            if let s = shadow {
                let along = -s.ny * px + s.nx * py
                let edge = s.offset + s.wave * sin(2 * Double.pi * along / s.period + s.phase)
                let inside = (edge - (s.nx * px + s.ny * py)) / s.softness
                let t = Float(max(0, min(1, 0.5 + inside)))
                key *= 1 - s.depth * t * t * (3 - 2 * t)
            }
            return (ambient + (1 - ambient) * key) * (1 - vignetting * (1 - camera.cosineFourth(px, py)))
        }
    }

    /// What the lens and the hand do to the picture: defocus (a disc, not a Gaussian) or shake
    /// (a short line), as a sparse kernel.
    struct Optics {
        private let taps: [(dx: Int, dy: Int, weight: Float)]
        /// Pixels the blur spreads ink by.
        let reach: Int

        init(short: Int, rng: inout SeededGenerator) {
            var taps: [(Int, Int, Float)] = []
            if rng.chance(0.55) {
                let radius = rng.uniform(0.5, 1.2 + Double(short) / 900)
                let r = Int(radius.rounded(.up))
                for dy in -r...r {
                    for dx in -r...r {
                        let w = Float(max(0, min(1, radius + 0.5 - (Double(dx * dx + dy * dy)).squareRoot())))
                        if w > 0 { taps.append((dx, dy, w)) }
                    }
                }
            }
            if rng.chance(0.2) {
                let length = rng.uniform(1, 3.5), angle = rng.uniform(0, Double.pi)
                let steps = Int(length.rounded(.up)) * 2
                var shaken: [(Int, Int, Float)] = []
                for base in taps.isEmpty ? [(0, 0, Float(1))] : taps {
                    for k in 0...steps {
                        let t = length * (Double(k) / Double(steps) - 0.5)
                        shaken.append((base.0 + Int((t * cos(angle)).rounded()), base.1 + Int((t * sin(angle)).rounded()), base.2))
                    }
                }
                taps = shaken
            }
            let total = taps.map(\.2).reduce(0, +)
            self.taps = total > 0 ? taps.map { (dx: $0.0, dy: $0.1, weight: $0.2 / total) } : []
            reach = taps.map { max(abs($0.0), abs($0.1)) }.max() ?? 0
        }

        /// Convolves the RGB image in place (edges clamped).
        func apply(to image: inout [Float], width: Int, height: Int) {
            guard taps.count > 1 else { return }
            let source = image
            source.withUnsafeBufferPointer { src in
                image.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<height {
                        for x in 0..<width {
                            var r: Float = 0, g: Float = 0, b: Float = 0
                            for tap in taps {
                                let sx = min(width - 1, max(0, x + tap.dx)), sy = min(height - 1, max(0, y + tap.dy))
                                let j = (sy * width + sx) * 3
                                r += src[j] * tap.weight; g += src[j + 1] * tap.weight; b += src[j + 2] * tap.weight
                            }
                            let i = (y * width + x) * 3
                            dst[i] = r; dst[i + 1] = g; dst[i + 2] = b
                        }
                    }
                }
            }
        }
    }
}
