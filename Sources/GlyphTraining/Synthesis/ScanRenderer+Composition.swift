import Foundation
import GlyphImaging

extension ScanRenderer {
    /// Everything an opaque scan is made of, combined per pixel into 8-bit samples: paper
    /// texture, ruling, ink, desk, then lighting, white balance and sensor noise.
    struct OpaqueScene {
        let frame: Frame
        /// The keystone applied to the strokes, inverted here for the ruling.
        let keystone: (Float, Float)
        let ink: Ink
        let paper: Paper
        let ruling: Ruling
        let lighting: Lighting
        let desk: Desk
        /// Sensor noise, standard deviation on the 0…255 scale.
        let noiseSigma: Float
        let bands: Int

        /// Interleaved samples, `bands` per pixel; draws one `gaussian3` from `noise` per pixel.
        func bytes(coverage canvas: CoverageCanvas, noise: inout PixelNoise) -> [UInt8] {
            let width = frame.width, height = frame.height
            var bytes = [UInt8](repeating: 0, count: width * height * bands)
            let metrics = Lighting.Metrics(frame: frame)
            let columns = lighting.columnTerms(metrics, width: width)
            var lowRow = [Float](repeating: 0, count: width)
            var midRow = [Float](repeating: 0, count: width)
            canvas.values.withUnsafeBufferPointer { coverage in
            bytes.withUnsafeMutableBufferPointer { out in
            columns.gradient.withUnsafeBufferPointer { colGrad in
            columns.vignette.withUnsafeBufferPointer { colVig in
            lowRow.withUnsafeMutableBufferPointer { low in
            midRow.withUnsafeMutableBufferPointer { mid in
                for y in 0..<height {
                    paper.lowNoise.fillRow(y, into: low)
                    paper.midNoise.fillRow(y, into: mid)
                    composeRow(y, coverage: coverage, columns: (colGrad, colVig), texture: (UnsafeBufferPointer(low), UnsafeBufferPointer(mid)),
                               metrics: metrics, out: out, noise: &noise)
                }
            }
            }
            }
            }
            }
            }
            return bytes
        }

        /// One pixel row; `texture` holds the row's low- and mid-frequency paper noise.
        private func composeRow(
            _ y: Int, coverage: UnsafeBufferPointer<Float>,
            columns: (gradient: UnsafeBufferPointer<Float>, vignette: UnsafeBufferPointer<Float>),
            texture rowTexture: (low: UnsafeBufferPointer<Float>, mid: UnsafeBufferPointer<Float>),
            metrics: Lighting.Metrics, out: UnsafeMutableBufferPointer<UInt8>, noise: inout PixelNoise
        ) {
            let width = frame.width
            let fy = Float(y) + 0.5
            let dy = fy - metrics.centreY
            let row = lighting.rowTerms(metrics, dy: dy)
            for x in 0..<width {
                let fx = Float(x) + 0.5
                let light = lighting.light(column: (columns.gradient[x], columns.vignette[x]), row: row, fx: fx, dy: dy, metrics: metrics)
                let texture = 1 + paper.textureLow * rowTexture.low[x] + paper.textureMid * rowTexture.mid[x]
                var (r, g, bl) = paper.textured(texture)
                if ruling.ruled {
                    let sheet = sheetPoint(fx: fx, dy: dy, metrics: metrics)
                    ruling.apply(sheetX: sheet.x, sheetY: sheet.y, r: &r, g: &g, bl: &bl)
                }
                let c = coverage[y * width + x] * ink.alpha
                if c > 0 {
                    r += (ink.reflectance.0 - r) * c
                    g += (ink.reflectance.1 - g) * c
                    bl += (ink.reflectance.2 - bl) * c
                }
                desk.apply(fx: fx, fy: fy, texture: texture, r: &r, g: &g, bl: &bl)
                store((r, g, bl), light: light, noise: noise.gaussian3(), at: (y * width + x) * bands, in: out)
            }
        }

        /// The sheet's own coordinates (inverse keystone) of pixel centre `fx` in the row at `dy`.
        @inline(__always)
        private func sheetPoint(fx: Float, dy: Float, metrics: Lighting.Metrics) -> (x: Float, y: Float) {
            let halfWidth = metrics.centreX, halfHeight = metrics.centreY
            let kw = 1 - keystone.0 * (fx - halfWidth) - keystone.1 * dy
            return (halfWidth + (fx - halfWidth) / kw, halfHeight + dy / kw)
        }

        /// Writes one pixel: reflectance × tint × light, plus noise (mostly luma, a little chroma).
        @inline(__always)
        private func store(
            _ colour: (r: Float, g: Float, bl: Float), light: Float, noise n: (Float, Float, Float),
            at i: Int, in out: UnsafeMutableBufferPointer<UInt8>
        ) {
            let (r, g, bl) = colour
            let tint = lighting.tint
            let scale = 255 * light
            let chroma: Float = 0.4
            if bands == 1 {
                let luma = (0.299 * r * tint.0 + 0.587 * g * tint.1 + 0.114 * bl * tint.2) * scale
                out[i] = ScanRenderer.byte(luma + noiseSigma * n.0)
            } else {
                let shared = noiseSigma * n.0
                out[i] = ScanRenderer.byte(r * tint.0 * scale + shared + chroma * noiseSigma * n.1)
                out[i + 1] = ScanRenderer.byte(g * tint.1 * scale + shared + chroma * noiseSigma * n.2)
                out[i + 2] = ScanRenderer.byte(bl * tint.2 * scale + shared - chroma * noiseSigma * (n.1 + n.2) * 0.5)
            }
        }
    }

    /// RGBA: transparent background, ink opaque where the pen fully covers.
    func composeTransparent(
        canvas: CoverageCanvas, ink: Ink, box: PixelRect, noise: inout PixelNoise, rng: inout SeededGenerator
    ) -> RenderedScan {
        let width = canvas.width, height = canvas.height
        let faintness = 1 - min(1, ink.alpha / 0.85)
        let r = ink.reflectance.0 + (1 - ink.reflectance.0) * faintness
        let g = ink.reflectance.1 + (1 - ink.reflectance.1) * faintness
        let b = ink.reflectance.2 + (1 - ink.reflectance.2) * faintness
        let sigma = Float(rng.uniform(parameters.noiseSigma)) * 0.5
        // Stroke cores are opaque even for hairlines and grainy pencil: scale by the peak.
        var peak: Float = 0
        for y in box.y..<(box.y + box.height) {
            for x in box.x..<(box.x + box.width) { peak = max(peak, canvas.values[y * width + x]) }
        }
        let gain = 1 / max(peak, 0.25)
        var bytes = [UInt8](repeating: 0, count: width * height * 4)
        for i in 0..<(width * height) {
            let c = canvas.values[i] * gain
            guard c > 0.002 else { continue }
            let n = sigma * noise.gaussian()
            bytes[i * 4] = Self.byte(255 * r + n)
            bytes[i * 4 + 1] = Self.byte(255 * g + n)
            bytes[i * 4 + 2] = Self.byte(255 * b + n)
            bytes[i * 4 + 3] = Self.byte(255 * min(1, c))
        }
        return RenderedScan(bytes: bytes, width: width, height: height, bands: 4, inkBox: box, lightOnDark: false)
    }
}
