import Foundation

extension ScanRenderer {
    /// Exposure, white balance, a linear gradient, vignette and an optional soft shadow.
    struct Lighting {
        let exposure: Float
        /// White balance per channel.
        let tint: (Float, Float, Float)
        let gradient: Float
        let gx: Float
        let gy: Float
        let vignette: Float
        let hasShadow: Bool
        let sx: Float
        let sy: Float
        let shadowOffset: Float
        let shadowSoftness: Float
        let shadowDepth: Float

        init(parameters p: ScanRenderParameters, chalkboard: Bool, frame: Frame, rng: inout SeededGenerator) {
            let long = frame.long
            exposure = Float(rng.uniform(p.exposure))
            let temperature = rng.uniform(-1, 1)
            tint = (Float(1 + 0.05 * temperature), Float(1), Float(1 - 0.08 * temperature))
            gradient = Float(rng.uniform(p.lightingGradient))
            let gradientAngle = rng.uniform(0, 2 * Double.pi)
            (gx, gy) = (Float(cos(gradientAngle)), Float(sin(gradientAngle)))
            vignette = Float(rng.uniform(p.vignette))
            let hasShadow = !chalkboard && rng.chance(p.shadowProbability)
            let shadowAngle = rng.uniform(0, 2 * Double.pi)
            (sx, sy) = (Float(cos(shadowAngle)), Float(sin(shadowAngle)))
            shadowOffset = Float(rng.uniform(0.25, 0.48) * long)
            shadowSoftness = Float(rng.uniform(0.08, 0.3) * long)
            shadowDepth = hasShadow ? Float(rng.uniform(0.1, 0.35)) : 0
            self.hasShadow = hasShadow
        }

        /// The image centre and scales that the gradient, vignette and shadow are measured from.
        struct Metrics {
            let centreX: Float
            let centreY: Float
            let invLong: Float
            let maxR2: Float

            init(frame: Frame) {
                centreX = Float(frame.width) / 2
                centreY = Float(frame.height) / 2
                invLong = 1 / Float(frame.long)
                maxR2 = centreX * centreX + centreY * centreY
            }
        }

        /// The gradient and vignette terms per column, so the per-pixel work only combines a
        /// column's terms with its row's.
        func columnTerms(_ metrics: Metrics, width: Int) -> (gradient: [Float], vignette: [Float]) {
            var columnGradient = [Float](repeating: 0, count: width)
            var columnVignette = [Float](repeating: 0, count: width)
            for x in 0..<width {
                let dx = Float(x) + 0.5 - metrics.centreX
                columnGradient[x] = gradient * dx * gx * metrics.invLong
                columnVignette[x] = vignette * dx * dx / metrics.maxR2
            }
            return (columnGradient, columnVignette)
        }

        /// `dy`: the row's pixel centre relative to the image centre.
        @inline(__always)
        func rowTerms(_ metrics: Metrics, dy: Float) -> (gradient: Float, vignette: Float) {
            (gradient * dy * gy * metrics.invLong, vignette * dy * dy / metrics.maxR2)
        }

        /// The light falling on pixel centre `fx` in a row at `dy` from the centre.
        @inline(__always)
        func light(
            column: (gradient: Float, vignette: Float), row: (gradient: Float, vignette: Float),
            fx: Float, dy: Float, metrics: Metrics
        ) -> Float {
            var light = exposure * (1 + column.gradient + row.gradient) * (1 - column.vignette - row.vignette)
            if hasShadow {
                let t = min(max(((fx - metrics.centreX) * sx + dy * sy - shadowOffset) / shadowSoftness + 0.5, 0), 1)
                light *= 1 - shadowDepth * t * t * (3 - 2 * t)
            }
            return light
        }
    }
}
