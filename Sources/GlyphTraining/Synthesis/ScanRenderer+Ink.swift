import Foundation
import GlyphImaging

extension ScanRenderer {
    /// What the glyph is written with: per-channel reflectance, opacity and grain.
    struct Ink {
        var reflectance: (Float, Float, Float)
        var alpha: Float
        var grain: Float

        /// A random pen, or chalk on a chalkboard (the pen is drawn either way, so the random
        /// sequence does not depend on the surface).
        static func choose(chalkboard: Bool, rng: inout SeededGenerator) -> Ink {
            let ink = pen(rng: &rng)
            guard chalkboard else { return ink }
            let w = Float(rng.uniform(0.78, 0.92))
            return Ink(reflectance: (w, w, w * 0.97), alpha: Float(rng.uniform(0.7, 0.95)), grain: 0.45)
        }

        private static func pen(rng: inout SeededGenerator) -> Ink {
            func vary(_ v: Double, _ amount: Double = 0.04) -> Float { Float(min(1, max(0, v + rng.uniform(-amount, amount)))) }
            let pick = rng.unit()
            switch pick {
            case ..<0.34: // blue ballpoint or gel
                return Ink(reflectance: (vary(0.10), vary(0.16), vary(0.48, 0.1)), alpha: Float(rng.uniform(0.85, 1)), grain: 0.08)
            case ..<0.64: // black
                return Ink(reflectance: (vary(0.06, 0.03), vary(0.06, 0.03), vary(0.08, 0.03)), alpha: Float(rng.uniform(0.9, 1)), grain: 0.05)
            case ..<0.76: // dark grey felt tip
                let g = rng.uniform(0.18, 0.3)
                return Ink(reflectance: (vary(g, 0.02), vary(g, 0.02), vary(g + 0.02, 0.02)), alpha: Float(rng.uniform(0.85, 1)), grain: 0.05)
            case ..<0.92: // pencil: light grey, grainy
                let g = rng.uniform(0.3, 0.45)
                return Ink(reflectance: (Float(g), Float(g), Float(g + 0.02)), alpha: Float(rng.uniform(0.5, 0.8)), grain: 0.45)
            default: // faint: a pale pen or a nearly dry one
                let blue = rng.chance(0.5)
                return Ink(reflectance: blue ? (0.2, 0.28, 0.55) : (0.2, 0.2, 0.22), alpha: Float(rng.uniform(0.3, 0.5)), grain: 0.25)
            }
        }
    }

    /// Where the ink lands: strokes drawn with varying pressure, then grain, then blur.
    struct InkCoverage {
        var canvas: CoverageCanvas
        /// The pixels ink can reach at the widest pressure, clipped to the image.
        let box: PixelRect
        /// Per-pixel noise for the grain here and for sensor noise when compositing.
        var noise: PixelNoise

        init(
            _ placement: Placement, ink: Ink, frame: Frame, parameters p: ScanRenderParameters,
            rng: inout SeededGenerator
        ) {
            let width = frame.width, height = frame.height, radius = placement.radius
            var canvas = CoverageCanvas(width: width, height: height)
            let pressure = rng.uniform(p.pressureVariation)
            for stroke in placement.strokes {
                let radii = Self.radii(count: stroke.count, radius: radius, pressure: pressure, rng: &rng)
                canvas.drawPolyline(stroke, radii: radii, strength: Float(rng.uniform(0.85, 1)))
            }
            let box = ScanRenderer.inkBox(placement.strokes, radius: Float(radius * (1 + 2 * pressure)), width: width, height: height)
            var noise = PixelNoise(rng: &rng)
            if ink.grain > 0, box.width > 0, box.height > 0 {
                Self.addGrain(ink.grain, to: &canvas, in: box, radius: radius, noise: &noise, rng: &rng)
            }
            let sigma = Float(rng.uniform(p.blurFraction) * frame.long)
            canvas.blur(sigma: sigma, around: box)
            self.canvas = canvas
            self.box = box
            self.noise = noise
        }

        /// Smooth random pressure: a slow walk of the half-width along the stroke.
        private static func radii(count: Int, radius: Double, pressure: Double, rng: inout SeededGenerator) -> [Float] {
            var radii = [Float](repeating: Float(radius), count: count)
            if pressure > 0, count > 1 {
                var level = rng.normal() * 0.5
                let persistence = 0.97
                for i in radii.indices {
                    level = persistence * level + (1 - persistence) * 4 * rng.normal()
                    radii[i] = Float(radius * max(0.4, 1 + pressure * max(-2, min(2, level))))
                }
            }
            return radii
        }

        /// Thins the coverage inside `box` by value noise about a pen width across plus per-pixel noise.
        private static func addGrain(
            _ grain: Float, to canvas: inout CoverageCanvas, in box: PixelRect, radius: Double,
            noise: inout PixelNoise, rng: inout SeededGenerator
        ) {
            let width = canvas.width, height = canvas.height
            let grainNoise = ValueNoise(width: width, height: height, cell: Float(max(1.5, radius * 0.6)), rng: &rng)
            canvas.values.withUnsafeMutableBufferPointer { values in
                for y in box.y..<(box.y + box.height) {
                    for x in box.x..<(box.x + box.width) where values[y * width + x] > 0 {
                        let g = 0.5 * (grainNoise.value(Float(x), Float(y)) + 1) * 0.6 + 0.4 * noise.uniform()
                        values[y * width + x] *= 1 - grain * g
                    }
                }
            }
        }
    }
}
