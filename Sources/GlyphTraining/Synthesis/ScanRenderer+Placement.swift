import Foundation

extension ScanRenderer {
    /// The scan's size in pixels.
    struct Frame {
        let width: Int
        let height: Int
        /// The drawn size before the aspect ratio is applied; lengths that scale with the whole
        /// image (blur, texture, shadows) are fractions of it.
        let long: Double
        /// The smaller of `width` and `height`.
        let short: Double

        init(parameters p: ScanRenderParameters, rng: inout SeededGenerator) {
            let long = Double(max(16, rng.integer(in: p.sizeRange)))
            let aspect = rng.element(of: p.aspectRatios) ?? 1
            let width = max(16, Int((aspect >= 1 ? long : long * aspect).rounded()))
            let height = max(16, Int((aspect >= 1 ? long / aspect : long).rounded()))
            self.width = width
            self.height = height
            self.long = long
            short = Double(min(width, height))
        }
    }

    /// Glyph shape: jitter, slant, rotation, slight anisotropy (still in normalized units).
    static func distorted(
        _ strokes: [[(x: Double, y: Double)]], parameters p: ScanRenderParameters, rng: inout SeededGenerator
    ) -> [[(x: Double, y: Double)]] {
        var strokes = strokes
        let jitter = rng.uniform(p.jitterFraction)
        if jitter > 0 {
            for s in strokes.indices { wobble(&strokes[s], jitter: jitter, rng: &rng) }
        }
        let slant = rng.uniform(p.slant)
        let angle = rng.uniform(p.rotationDegrees) * Double.pi / 180
        let stretch = rng.uniform(0.88, 1.12)
        let (sinA, cosA) = (sin(angle), cos(angle))
        return strokes.map { stroke in
            stroke.map { q in
                let x = (q.x - slant * q.y) * stretch, y = q.y
                return (x * cosA - y * sinA, x * sinA + y * cosA)
            }
        }
    }

    /// Displaces each point by low-pass filtered normal noise (a smooth wobble, not spikes).
    private static func wobble(_ stroke: inout [(x: Double, y: Double)], jitter: Double, rng: inout SeededGenerator) {
        var offsets = stroke.map { _ in (rng.normal(), rng.normal()) }
        for _ in 0..<3 where offsets.count > 2 {
            var smoothed = offsets
            for i in 1..<(offsets.count - 1) {
                smoothed[i].0 = (offsets[i - 1].0 + 2 * offsets[i].0 + offsets[i + 1].0) / 4
                smoothed[i].1 = (offsets[i - 1].1 + 2 * offsets[i].1 + offsets[i + 1].1) / 4
            }
            offsets = smoothed
        }
        for i in stroke.indices {
            stroke[i].x += offsets[i].0 * jitter
            stroke[i].y += offsets[i].1 * jitter
        }
    }

    /// The glyph in pixel space: size, pen, an off-centre position anywhere that keeps the
    /// glyph inside, and keystone.
    struct Placement {
        /// Smoothed pixel-space strokes, keystone already applied.
        let strokes: [[PixelPoint]]
        /// The glyph's intended larger extent in pixels.
        let target: Double
        /// The pen's half-width in pixels.
        let radius: Double
        /// Keystone coefficients per axis (0 when none was applied); see `keystoned`.
        let keystone: (Float, Float)

        init(
            _ strokes: [[(x: Double, y: Double)]], in frame: Frame, parameters p: ScanRenderParameters,
            rng: inout SeededGenerator
        ) {
            let width = frame.width, height = frame.height, short = frame.short
            let b = ScanRenderer.bounds(strokes)
            let bw = max(b.maxX - b.minX, 1e-3), bh = max(b.maxY - b.minY, 1e-3)
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
            let placed = ScanRenderer.place(strokes, scale: scale, cx: cx, cy: cy).map { ScanRenderer.smoothed($0, step: max(2.5, Float(radius) * 0.75)) }
            (self.strokes, keystone) = Self.keystoned(placed, in: frame, radius: radius, parameters: p, rng: &rng)
            self.target = target
            self.radius = radius
        }

        /// Keystone: the phone not quite parallel to the sheet. A projective map about the
        /// centre, x' = d / (1 + k·d), applied to the strokes here and inverted for the ruling.
        /// Dropped (coefficients 0) when the warped glyph would leave the image.
        private static func keystoned(
            _ placed: [[PixelPoint]], in frame: Frame, radius: Double, parameters p: ScanRenderParameters,
            rng: inout SeededGenerator
        ) -> ([[PixelPoint]], (Float, Float)) {
            let width = frame.width, height = frame.height
            let halfWidth = Float(width) / 2, halfHeight = Float(height) / 2
            var keystone = (Float(rng.uniform(p.keystone)) / halfWidth, Float(rng.uniform(p.keystone)) / halfHeight)
            if rng.chance(0.5) { keystone.0 = -keystone.0 }
            if rng.chance(0.5) { keystone.1 = -keystone.1 }
            guard keystone.0 != 0 || keystone.1 != 0 else { return (placed, keystone) }
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
            return fits ? (warped, keystone) : (placed, (0, 0))
        }
    }
}
