import Foundation
import GlyphImaging

/// Renders a `StrokeSample` either as a realistic phone photo or scan of the letter written on
/// paper (random placement, size, pen, slant, ink, paper, lighting, blur and noise), or as an
/// ideal clean rendering (white strokes on black, centred).
///
/// A value type with no shared state: call it from any thread; all randomness comes from the
/// `SeededGenerator` passed in, so the same generator state gives the same bytes.
public struct ScanRenderer: Sendable {
    public var parameters: ScanRenderParameters

    public init(parameters: ScanRenderParameters = ScanRenderParameters()) {
        self.parameters = parameters
    }

    /// Renders `sample` with `parameters`, drawing every random choice from `rng`.
    public static func render(
        _ sample: StrokeSample, parameters: ScanRenderParameters, rng: inout SeededGenerator
    ) -> RenderedScan {
        ScanRenderer(parameters: parameters).render(sample, using: &rng)
    }

    /// Renders `sample`, drawing every random choice from `rng`.
    public func render(_ sample: StrokeSample, using rng: inout SeededGenerator) -> RenderedScan {
        switch parameters.mode {
        case .clean: renderClean(sample, rng: &rng)
        case .scan: renderScan(sample, rng: &rng)
        }
    }

    // MARK: - Geometry

    /// Strokes centred on their bounding box and scaled so its larger side is 1.
    private static func normalized(_ sample: StrokeSample) -> [[(x: Double, y: Double)]] {
        guard let b = sample.bounds else { return [] }
        let unit = max(b.maxX - b.minX, b.maxY - b.minY)
        let scale = unit > 1e-9 ? 1 / unit : 1
        let cx = (b.minX + b.maxX) / 2, cy = (b.minY + b.maxY) / 2
        return sample.strokes.map { stroke in
            stroke.map { ((($0.x - cx) * scale), (($0.y - cy) * scale)) }
        }
    }

    private static func bounds(_ strokes: [[(x: Double, y: Double)]]) -> (minX: Double, minY: Double, maxX: Double, maxY: Double) {
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        for stroke in strokes {
            for p in stroke {
                minX = min(minX, p.x); maxX = max(maxX, p.x)
                minY = min(minY, p.y); maxY = max(maxY, p.y)
            }
        }
        return minX.isFinite ? (minX, minY, maxX, maxY) : (0, 0, 0, 0)
    }

    /// Maps normalized strokes into pixel space: bounding-box centre to (`cx`, `cy`), × `scale`.
    private static func place(
        _ strokes: [[(x: Double, y: Double)]], scale: Double, cx: Double, cy: Double
    ) -> [[PixelPoint]] {
        let b = bounds(strokes)
        let mx = (b.minX + b.maxX) / 2, my = (b.minY + b.maxY) / 2
        return strokes.map { stroke in
            stroke.map { PixelPoint(x: Float(cx + ($0.x - mx) * scale), y: Float(cy + ($0.y - my) * scale)) }
        }
    }

    /// Smooths a tablet polyline in pixel space: drops repeated points, then cuts corners
    /// (Chaikin, up to three rounds, only while some segment is longer than `step` pixels), so
    /// sparse samples do not show as polygon corners on large renderings. The curve stays
    /// inside the points' convex hull and keeps its end points.
    static func smoothed(_ stroke: [PixelPoint], step: Float = 3) -> [PixelPoint] {
        var points: [PixelPoint] = []
        points.reserveCapacity(stroke.count)
        for p in stroke where points.last.map({ abs($0.x - p.x) + abs($0.y - p.y) > 0.05 }) ?? true {
            points.append(p)
        }
        let step2 = step * step
        for _ in 0..<3 {
            guard points.count > 2 else { break }
            var longest: Float = 0
            for i in 1..<points.count {
                let dx = points[i].x - points[i - 1].x, dy = points[i].y - points[i - 1].y
                longest = max(longest, dx * dx + dy * dy)
            }
            if longest <= step2 { break }
            var out: [PixelPoint] = [points[0]]
            out.reserveCapacity(points.count * 2)
            for i in 0..<(points.count - 1) {
                let a = points[i], b = points[i + 1]
                out.append(PixelPoint(x: 0.75 * a.x + 0.25 * b.x, y: 0.75 * a.y + 0.25 * b.y))
                out.append(PixelPoint(x: 0.25 * a.x + 0.75 * b.x, y: 0.25 * a.y + 0.75 * b.y))
            }
            out.append(points[points.count - 1])
            points = out
        }
        return points
    }

    private static func inkBox(_ strokes: [[PixelPoint]], radius: Float, width: Int, height: Int) -> PixelRect {
        var minX = Float.infinity, minY = Float.infinity, maxX = -Float.infinity, maxY = -Float.infinity
        for stroke in strokes {
            for p in stroke {
                minX = min(minX, p.x); maxX = max(maxX, p.x)
                minY = min(minY, p.y); maxY = max(maxY, p.y)
            }
        }
        guard minX.isFinite else { return PixelRect(x: 0, y: 0, width: 0, height: 0) }
        let x0 = max(0, Int((minX - radius - 1).rounded(.down)))
        let y0 = max(0, Int((minY - radius - 1).rounded(.down)))
        let x1 = min(width, Int((maxX + radius + 1).rounded(.up)))
        let y1 = min(height, Int((maxY + radius + 1).rounded(.up)))
        return PixelRect(x: x0, y: y0, width: max(0, x1 - x0), height: max(0, y1 - y0))
    }

    // MARK: - Clean

    private func renderClean(_ sample: StrokeSample, rng: inout SeededGenerator) -> RenderedScan {
        let side = max(4, rng.integer(in: parameters.sizeRange))
        let strokes = Self.normalized(sample)
        let radius = Float(max(0.5, parameters.cleanPenWidthFraction * Double(side) / 2))
        let placed = Self.place(strokes, scale: parameters.cleanGlyphFraction * Double(side),
                                cx: Double(side) / 2, cy: Double(side) / 2).map { Self.smoothed($0) }
        var canvas = CoverageCanvas(width: side, height: side)
        for stroke in placed { canvas.drawPolyline(stroke, radius: radius) }
        let bands = parameters.bands.count
        var bytes = [UInt8](repeating: 255, count: side * side * bands)
        for i in 0..<(side * side) {
            let v = UInt8(clamping: Int((canvas.values[i] * 255).rounded()))
            for c in 0..<min(bands, 3) { bytes[i * bands + c] = v }
        }
        return RenderedScan(bytes: bytes, width: side, height: side, bands: bands,
                            inkBox: Self.inkBox(placed, radius: radius, width: side, height: side),
                            lightOnDark: true)
    }

    // MARK: - Scan

    private struct Ink {
        var reflectance: (Float, Float, Float)
        var alpha: Float
        var grain: Float
    }

    private static func chooseInk(rng: inout SeededGenerator) -> Ink {
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

    private func renderScan(_ sample: StrokeSample, rng: inout SeededGenerator) -> RenderedScan {
        let p = parameters
        // Image size.
        let long = Double(max(16, rng.integer(in: p.sizeRange)))
        let aspect = rng.element(of: p.aspectRatios) ?? 1
        let width = max(16, Int((aspect >= 1 ? long : long * aspect).rounded()))
        let height = max(16, Int((aspect >= 1 ? long / aspect : long).rounded()))
        let short = Double(min(width, height))

        // Glyph shape: jitter, slant, rotation, slight anisotropy.
        var strokes = Self.normalized(sample)
        let jitter = rng.uniform(p.jitterFraction)
        if jitter > 0 {
            for s in strokes.indices {
                var offsets = strokes[s].map { _ in (rng.normal(), rng.normal()) }
                for _ in 0..<3 where offsets.count > 2 { // low-pass: smooth wobble, not spikes
                    var smoothed = offsets
                    for i in 1..<(offsets.count - 1) {
                        smoothed[i].0 = (offsets[i - 1].0 + 2 * offsets[i].0 + offsets[i + 1].0) / 4
                        smoothed[i].1 = (offsets[i - 1].1 + 2 * offsets[i].1 + offsets[i + 1].1) / 4
                    }
                    offsets = smoothed
                }
                for i in strokes[s].indices {
                    strokes[s][i].x += offsets[i].0 * jitter
                    strokes[s][i].y += offsets[i].1 * jitter
                }
            }
        }
        let slant = rng.uniform(p.slant)
        let angle = rng.uniform(p.rotationDegrees) * Double.pi / 180
        let stretch = rng.uniform(0.88, 1.12)
        let (sinA, cosA) = (sin(angle), cos(angle))
        strokes = strokes.map { stroke in
            stroke.map { q in
                let x = (q.x - slant * q.y) * stretch, y = q.y
                return (x * cosA - y * sinA, x * sinA + y * cosA)
            }
        }
        let b = Self.bounds(strokes)
        let bw = max(b.maxX - b.minX, 1e-3), bh = max(b.maxY - b.minY, 1e-3)

        // Size, pen and placement (off-centre, anywhere that keeps the glyph inside).
        let target = rng.uniform(p.glyphSizeFraction) * short
        let penWidth = rng.logUniform(p.penWidthFraction) * target
        let radius = max(0.45, penWidth / 2)
        var scale = target / max(bw, bh)
        scale = min(scale, (Double(width) - 0.08 * short - 2 * radius - 4) / bw, (Double(height) - 0.08 * short - 2 * radius - 4) / bh)
        scale = max(scale, 1)
        let margin = 2 + 0.03 * short
        let halfW = bw * scale / 2 + radius + margin, halfH = bh * scale / 2 + radius + margin
        let cx = halfW < Double(width) / 2 ? rng.uniform(halfW, Double(width) - halfW) : Double(width) / 2
        let cy = halfH < Double(height) / 2 ? rng.uniform(halfH, Double(height) - halfH) : Double(height) / 2
        var placed = Self.place(strokes, scale: scale, cx: cx, cy: cy).map { Self.smoothed($0, step: max(2.5, Float(radius) * 0.75)) }

        // Keystone: the phone not quite parallel to the sheet. A projective map about the
        // centre, x' = d / (1 + k·d), applied to the strokes here and inverted for the ruling.
        let halfWidth = Float(width) / 2, halfHeight = Float(height) / 2
        var keystone = (Float(rng.uniform(p.keystone)) / halfWidth, Float(rng.uniform(p.keystone)) / halfHeight)
        if rng.chance(0.5) { keystone.0 = -keystone.0 }
        if rng.chance(0.5) { keystone.1 = -keystone.1 }
        if keystone.0 != 0 || keystone.1 != 0 {
            let warped = placed.map { stroke in
                stroke.map { q -> PixelPoint in
                    let dx = q.x - halfWidth, dy = q.y - halfHeight
                    let w = 1 + keystone.0 * dx + keystone.1 * dy
                    return PixelPoint(x: halfWidth + dx / w, y: halfHeight + dy / w)
                }
            }
            let edge = Float(radius) + 2
            let fits = warped.allSatisfy { $0.allSatisfy {
                $0.x.isFinite && $0.y.isFinite && $0.x >= edge && $0.y >= edge
                    && $0.x <= Float(width) - edge && $0.y <= Float(height) - edge
            } }
            if fits { placed = warped } else { keystone = (0, 0) }
        }

        // Ink and surface.
        let chalkboard = p.bands != .rgba && rng.chance(p.chalkboardProbability)
        var ink = Self.chooseInk(rng: &rng)
        if chalkboard {
            let w = Float(rng.uniform(0.78, 0.92))
            ink = Ink(reflectance: (w, w, w * 0.97), alpha: Float(rng.uniform(0.7, 0.95)), grain: 0.45)
        }

        // Coverage: strokes (each with slightly varying pressure), grain, blur.
        var canvas = CoverageCanvas(width: width, height: height)
        let pressure = rng.uniform(p.pressureVariation)
        for stroke in placed {
            // Smooth random pressure: a slow walk of the half-width along the stroke.
            var radii = [Float](repeating: Float(radius), count: stroke.count)
            if pressure > 0, stroke.count > 1 {
                var level = rng.normal() * 0.5
                let persistence = 0.97
                for i in radii.indices {
                    level = persistence * level + (1 - persistence) * 4 * rng.normal()
                    radii[i] = Float(radius * max(0.4, 1 + pressure * max(-2, min(2, level))))
                }
            }
            canvas.drawPolyline(stroke, radii: radii, strength: Float(rng.uniform(0.85, 1)))
        }
        let box = Self.inkBox(placed, radius: Float(radius * (1 + 2 * pressure)), width: width, height: height)
        var noise = PixelNoise(rng: &rng)
        if ink.grain > 0, box.width > 0, box.height > 0 {
            let grainNoise = ValueNoise(width: width, height: height, cell: Float(max(1.5, radius * 0.6)), rng: &rng)
            canvas.values.withUnsafeMutableBufferPointer { values in
                for y in box.y..<(box.y + box.height) {
                    for x in box.x..<(box.x + box.width) where values[y * width + x] > 0 {
                        let g = 0.5 * (grainNoise.value(Float(x), Float(y)) + 1) * 0.6 + 0.4 * noise.uniform()
                        values[y * width + x] *= 1 - ink.grain * g
                    }
                }
            }
        }
        let sigma = Float(rng.uniform(p.blurFraction) * long)
        canvas.blur(sigma: sigma, around: box)

        if p.bands == .rgba {
            return composeTransparent(canvas: canvas, ink: ink, box: box, noise: &noise, rng: &rng)
        }

        // Paper (or board) reflectance and texture.
        var paper: (Float, Float, Float)
        var textureLow = Float(rng.uniform(0.005, 0.025)), textureMid = Float(rng.uniform(0.004, 0.015))
        if chalkboard {
            let green = rng.chance(0.5)
            let base = rng.uniform(0.08, 0.16)
            paper = green ? (Float(base * 0.8), Float(base * 1.15), Float(base)) : (Float(base), Float(base), Float(base * 1.05))
            textureLow = Float(rng.uniform(0.08, 0.2))
            textureMid = Float(rng.uniform(0.04, 0.1))
        } else {
            switch rng.unit() {
            case ..<0.6: // white
                let w = rng.uniform(0.9, 0.98)
                paper = (Float(w + rng.uniform(-0.015, 0.015)), Float(w), Float(w + rng.uniform(-0.02, 0.02)))
            case ..<0.8: // cream / yellowish
                paper = (Float(rng.uniform(0.93, 0.98)), Float(rng.uniform(0.88, 0.94)), Float(rng.uniform(0.72, 0.84)))
            default: // grey recycled
                let g = rng.uniform(0.78, 0.88)
                paper = (Float(g), Float(g), Float(g - rng.uniform(0, 0.03)))
            }
        }
        let lowNoise = ValueNoise(width: width, height: height, cell: Float(long * rng.uniform(0.12, 0.3)), rng: &rng)
        let midNoise = ValueNoise(width: width, height: height, cell: Float(rng.uniform(3, 10)), rng: &rng)

        // Lighting: exposure, white balance, gradient, vignette, optional soft shadow.
        let exposure = Float(rng.uniform(p.exposure))
        let temperature = rng.uniform(-1, 1)
        let tint = (Float(1 + 0.05 * temperature), Float(1), Float(1 - 0.08 * temperature))
        let gradient = Float(rng.uniform(p.lightingGradient))
        let gradientAngle = rng.uniform(0, 2 * Double.pi)
        let (gx, gy) = (Float(cos(gradientAngle)), Float(sin(gradientAngle)))
        let vignette = Float(rng.uniform(p.vignette))
        let hasShadow = !chalkboard && rng.chance(p.shadowProbability)
        let shadowAngle = rng.uniform(0, 2 * Double.pi)
        let (sx, sy) = (Float(cos(shadowAngle)), Float(sin(shadowAngle)))
        let shadowOffset = Float(rng.uniform(0.25, 0.48) * long)
        let shadowSoftness = Float(rng.uniform(0.08, 0.3) * long)
        let shadowDepth: Float = hasShadow ? Float(rng.uniform(0.1, 0.35)) : 0

        // Ruled or grid paper.
        let ruled = !chalkboard && rng.chance(p.ruledPaperProbability)
        let grid = ruled && rng.chance(0.33)
        let lineSpacing = Float(max(6, target * rng.uniform(0.7, 1.3) * (grid ? 0.35 : 1)))
        let lineAngle = Float(rng.uniform(-3, 3) * Double.pi / 180)
        let (lineSin, lineCos) = (sin(lineAngle), cos(lineAngle))
        let lineOffset = Float(rng.uniform(0, 1)) * lineSpacing
        let lineHalfWidth = Float(max(0.4, long * rng.uniform(0.0004, 0.001)))
        let lineStrength = Float(rng.uniform(0.25, 0.55))
        let lineColour: (Float, Float, Float) = grid ? (0.55, 0.75, 0.7) : (0.55, 0.7, 0.92)
        let hasMargin = ruled && !grid && rng.chance(0.5)
        let marginX = Float(rng.uniform(0.05, 0.3) * Double(width))
        let noiseSigma = Float(rng.uniform(p.noiseSigma))

        // The desk beyond some edges of the sheet: each edge a slightly tilted line, kept clear
        // of the glyph. `edges` holds (normal x, normal y, offset): inside where n·p > offset.
        var edges: [(Float, Float, Float)] = []
        var desk: (Float, Float, Float) = (0, 0, 0)
        if !chalkboard, rng.chance(p.deskProbability) {
            switch rng.index(below: 3) {
            case 0: desk = (Float(rng.uniform(0.35, 0.5)), Float(rng.uniform(0.22, 0.3)), Float(rng.uniform(0.12, 0.18))) // wood
            case 1: let g = Float(rng.uniform(0.1, 0.22)); desk = (g, g, g * 1.06) // dark
            default: let g = Float(rng.uniform(0.45, 0.6)); desk = (g, g, g * 1.04) // grey
            }
            let clear: Float = 3 + Float(0.02 * short)
            let corners = [(Float(box.x), Float(box.y)), (Float(box.x + box.width), Float(box.y)),
                           (Float(box.x), Float(box.y + box.height)), (Float(box.x + box.width), Float(box.y + box.height))]
            let sides = [(Float(1), Float(0), Float(0)), (Float(-1), Float(0), -Float(width)),
                         (Float(0), Float(1), Float(0)), (Float(0), Float(-1), -Float(height))]
            var order = [0, 1, 2, 3]
            rng.shuffle(&order)
            for side in order.prefix(1 + rng.index(below: 2)) {
                let tilt = Float(rng.uniform(-0.06, 0.06))
                let base = sides[side]
                let nx = base.0 - tilt * base.1, ny = base.1 + tilt * base.0
                let length = (nx * nx + ny * ny).squareRoot()
                let (ux, uy) = (nx / length, ny / length)
                let inset = Float(rng.uniform(0.02, 0.15) * short)
                // Offset through the inset point on the side's centre line.
                let mid = side < 2 ? (side == 0 ? (inset, Float(height) / 2) : (Float(width) - inset, Float(height) / 2))
                                   : (side == 2 ? (Float(width) / 2, inset) : (Float(width) / 2, Float(height) - inset))
                let offset = ux * mid.0 + uy * mid.1
                if corners.allSatisfy({ ux * $0.0 + uy * $0.1 - offset > clear }) {
                    edges.append((ux, uy, offset))
                }
            }
        }
        let deskShadow = Float(rng.uniform(0.01, 0.03) * short)

        let bands = p.bands.count
        var bytes = [UInt8](repeating: 0, count: width * height * bands)
        let centreX = Float(width) / 2, centreY = Float(height) / 2
        let invLong = 1 / Float(long)
        let maxR2 = centreX * centreX + centreY * centreY
        // Per-column parts of the lighting, so the inner loop only combines them.
        var columnGradient = [Float](repeating: 0, count: width)
        var columnVignette = [Float](repeating: 0, count: width)
        for x in 0..<width {
            let dx = Float(x) + 0.5 - centreX
            columnGradient[x] = gradient * dx * gx * invLong
            columnVignette[x] = vignette * dx * dx / maxR2
        }
        var lowRow = [Float](repeating: 0, count: width)
        var midRow = [Float](repeating: 0, count: width)
        let chroma: Float = 0.4
        canvas.values.withUnsafeBufferPointer { coverage in
        bytes.withUnsafeMutableBufferPointer { out in
        columnGradient.withUnsafeBufferPointer { colGrad in
        columnVignette.withUnsafeBufferPointer { colVig in
        lowRow.withUnsafeMutableBufferPointer { low in
        midRow.withUnsafeMutableBufferPointer { mid in
            for y in 0..<height {
                let fy = Float(y) + 0.5
                let dy = fy - centreY
                let rowGradient = gradient * dy * gy * invLong
                let rowVignette = vignette * dy * dy / maxR2
                lowNoise.fillRow(y, into: low)
                midNoise.fillRow(y, into: mid)
                for x in 0..<width {
                    let fx = Float(x) + 0.5
                    var light = exposure * (1 + colGrad[x] + rowGradient) * (1 - colVig[x] - rowVignette)
                    if hasShadow {
                        let t = min(max(((fx - centreX) * sx + dy * sy - shadowOffset) / shadowSoftness + 0.5, 0), 1)
                        light *= 1 - shadowDepth * t * t * (3 - 2 * t)
                    }
                    let texture = 1 + textureLow * low[x] + textureMid * mid[x]
                    var r = paper.0 * texture, g = paper.1 * texture, bl = paper.2 * texture
                    if ruled {
                        // The sheet's own coordinates (inverse keystone) for the ruling.
                        let kw = 1 - keystone.0 * (fx - halfWidth) - keystone.1 * dy
                        let sheetX = halfWidth + (fx - halfWidth) / kw, sheetY = halfHeight + dy / kw
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
                    let c = coverage[y * width + x] * ink.alpha
                    if c > 0 {
                        r += (ink.reflectance.0 - r) * c
                        g += (ink.reflectance.1 - g) * c
                        bl += (ink.reflectance.2 - bl) * c
                    }
                    if !edges.isEmpty {
                        var inside: Float = 1, distance = Float.infinity
                        for e in edges {
                            let d = e.0 * fx + e.1 * fy - e.2
                            inside = min(inside, min(max(d + 0.5, 0), 1))
                            distance = min(distance, d)
                        }
                        if inside < 1 {
                            // The sheet casts a soft shadow on the desk along its edge.
                            let shade = 1 - 0.45 * max(0, 1 + distance / deskShadow)
                            let t = 1 + 2.5 * (texture - 1)
                            let dr = desk.0 * t * shade, dg = desk.1 * t * shade, db = desk.2 * t * shade
                            r = dr + (r - dr) * inside; g = dg + (g - dg) * inside; bl = db + (bl - db) * inside
                        }
                    }
                    let scale = 255 * light
                    let i = (y * width + x) * bands
                    let n = noise.gaussian3()
                    if bands == 1 {
                        let luma = (0.299 * r * tint.0 + 0.587 * g * tint.1 + 0.114 * bl * tint.2) * scale
                        out[i] = Self.byte(luma + noiseSigma * n.0)
                    } else {
                        let shared = noiseSigma * n.0
                        out[i] = Self.byte(r * tint.0 * scale + shared + chroma * noiseSigma * n.1)
                        out[i + 1] = Self.byte(g * tint.1 * scale + shared + chroma * noiseSigma * n.2)
                        out[i + 2] = Self.byte(bl * tint.2 * scale + shared - chroma * noiseSigma * (n.1 + n.2) * 0.5)
                    }
                }
            }
        }
        }
        }
        }
        }
        }
        return RenderedScan(bytes: bytes, width: width, height: height, bands: bands,
                            inkBox: box, lightOnDark: chalkboard)
    }

    /// RGBA: transparent background, ink opaque where the pen fully covers.
    private func composeTransparent(
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

    @inline(__always)
    private static func byte(_ value: Float) -> UInt8 {
        value <= 0 ? 0 : (value >= 255 ? 255 : UInt8(value + 0.5))
    }
}
