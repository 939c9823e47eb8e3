import Foundation

extension ScanRenderer {
    /// The sheet (or board) under the ink: reflectance and texture at two scales.
    struct Paper {
        let colour: (Float, Float, Float)
        let textureLow: Float
        let textureMid: Float
        let lowNoise: ValueNoise
        let midNoise: ValueNoise

        init(chalkboard: Bool, frame: Frame, rng: inout SeededGenerator) {
            var textureLow = Float(rng.uniform(0.005, 0.025)), textureMid = Float(rng.uniform(0.004, 0.015))
            if chalkboard {
                let green = rng.chance(0.5)
                let base = rng.uniform(0.08, 0.16)
                colour = green ? (Float(base * 0.8), Float(base * 1.15), Float(base)) : (Float(base), Float(base), Float(base * 1.05))
                textureLow = Float(rng.uniform(0.08, 0.2))
                textureMid = Float(rng.uniform(0.04, 0.1))
            } else {
                colour = Self.sheetColour(rng: &rng)
            }
            self.textureLow = textureLow
            self.textureMid = textureMid
            lowNoise = ValueNoise(width: frame.width, height: frame.height, cell: Float(frame.long * rng.uniform(0.12, 0.3)), rng: &rng)
            midNoise = ValueNoise(width: frame.width, height: frame.height, cell: Float(rng.uniform(3, 10)), rng: &rng)
        }

        private static func sheetColour(rng: inout SeededGenerator) -> (Float, Float, Float) {
            switch rng.unit() {
            case ..<0.6: // white
                let w = rng.uniform(0.9, 0.98)
                return (Float(w + rng.uniform(-0.015, 0.015)), Float(w), Float(w + rng.uniform(-0.02, 0.02)))
            case ..<0.8: // cream / yellowish
                return (Float(rng.uniform(0.93, 0.98)), Float(rng.uniform(0.88, 0.94)), Float(rng.uniform(0.72, 0.84)))
            default: // grey recycled
                let g = rng.uniform(0.78, 0.88)
                return (Float(g), Float(g), Float(g - rng.uniform(0, 0.03)))
            }
        }

        /// The paper's colour scaled by its texture at a pixel.
        @inline(__always)
        func textured(_ texture: Float) -> (Float, Float, Float) {
            (colour.0 * texture, colour.1 * texture, colour.2 * texture)
        }
    }

    /// Ruled or grid lines printed on the sheet, sometimes with a red margin line. Drawn in the
    /// sheet's own coordinates, so they follow the keystone.
    struct Ruling {
        let ruled: Bool
        let grid: Bool
        let lineSpacing: Float
        let lineSin: Float
        let lineCos: Float
        let lineOffset: Float
        let lineHalfWidth: Float
        let lineStrength: Float
        let lineColour: (Float, Float, Float)
        let hasMargin: Bool
        let marginX: Float

        /// `target` is the glyph size in pixels, which the line spacing follows.
        init(parameters p: ScanRenderParameters, chalkboard: Bool, target: Double, frame: Frame, rng: inout SeededGenerator) {
            let ruled = !chalkboard && rng.chance(p.ruledPaperProbability)
            let grid = ruled && rng.chance(0.33)
            lineSpacing = Float(max(6, target * rng.uniform(0.7, 1.3) * (grid ? 0.35 : 1)))
            let lineAngle = Float(rng.uniform(-3, 3) * Double.pi / 180)
            (lineSin, lineCos) = (sin(lineAngle), cos(lineAngle))
            lineOffset = Float(rng.uniform(0, 1)) * lineSpacing
            lineHalfWidth = Float(max(0.4, frame.long * rng.uniform(0.0004, 0.001)))
            lineStrength = Float(rng.uniform(0.25, 0.55))
            lineColour = grid ? (0.55, 0.75, 0.7) : (0.55, 0.7, 0.92)
            hasMargin = ruled && !grid && rng.chance(0.5)
            marginX = Float(rng.uniform(0.05, 0.3) * Double(frame.width))
            self.ruled = ruled
            self.grid = grid
        }

        /// Blends the lines at sheet point (`sheetX`, `sheetY`) into `r`, `g`, `bl`.
        @inline(__always)
        func apply(sheetX: Float, sheetY: Float, r: inout Float, g: inout Float, bl: inout Float) {
            let v = -sheetX * lineSin + sheetY * lineCos - lineOffset
            let m = v / lineSpacing
            var cov = min(max(lineHalfWidth + 0.5 - abs(m - m.rounded()) * lineSpacing, 0), 1)
            if grid {
                let u = (sheetX * lineCos + sheetY * lineSin) / lineSpacing
                cov = max(cov, min(max(lineHalfWidth + 0.5 - abs(u - u.rounded()) * lineSpacing, 0), 1))
            }
            if hasMargin {
                let u = sheetX * lineCos + sheetY * lineSin - marginX
                let mc = min(max(lineHalfWidth * 1.5 + 0.5 - abs(u), 0), 1) * lineStrength
                r += (0.85 - r) * mc; g += (0.35 - g) * mc; bl += (0.4 - bl) * mc
            }
            cov *= lineStrength
            r += (lineColour.0 - r) * cov; g += (lineColour.1 - g) * cov; bl += (lineColour.2 - bl) * cov
        }
    }
}
