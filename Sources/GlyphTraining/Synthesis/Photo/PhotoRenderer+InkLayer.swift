import Foundation

extension PhotoRenderer {
    /// The ink on the sheet: how much of the pen's colour each cell holds (0…1), on a grid of
    /// `cellsPerMM` around the letter. Each stroke is stamped with the pen's footprint along a
    /// Catmull–Rom curve through the points; strokes of translucent pens (felt-tip, nib) darken
    /// where they cross, the others do not.
    struct InkLayer {
        let cellsPerMM: Double
        /// Sheet position (mm) of cell (0, 0)'s corner.
        let origin: (x: Double, y: Double)
        let width: Int
        let height: Int
        private(set) var coverage: [Float]

        init(_ letter: Handwriting, pen: Pen, cellsPerMM: Double, rng: inout SeededGenerator) {
            let reach = pen.radius * (pen.kind == .nib ? pen.nibRatio : 1.5) + 1
            self.cellsPerMM = max(1, min(cellsPerMM, 40))
            origin = (-letter.extent.x - reach, -letter.extent.y - reach)
            width = Int(((2 * (letter.extent.x + reach)) * self.cellsPerMM).rounded(.up)) + 2
            height = Int(((2 * (letter.extent.y + reach)) * self.cellsPerMM).rounded(.up)) + 2
            coverage = [Float](repeating: 0, count: width * height)
            let grain = HashNoise(rng: &rng), skips = HashNoise(rng: &rng), rag = HashNoise(rng: &rng)
            let texture = Texture(pen: pen, grain: grain, rag: rag, cellsPerMM: self.cellsPerMM)
            var stroke = [Float](repeating: 0, count: width * height)
            for points in letter.strokes {
                for i in stroke.indices { stroke[i] = 0 }
                stamp(curve(points, step: Self.step(pen)), pen: pen, texture: texture, skips: skips, into: &stroke)
                let translucent = pen.kind == .feltTip || pen.kind == .nib
                for i in coverage.indices where stroke[i] > 0 {
                    coverage[i] = translucent ? 1 - (1 - coverage[i]) * (1 - 0.8 * stroke[i]) : max(coverage[i], stroke[i])
                }
            }
        }

        /// Ink at sheet point (`x`, `y`) mm, bilinear between cell centres; 0 off the grid.
        @inline(__always)
        func sample(x: Double, y: Double) -> Float {
            let gx = (x - origin.x) * cellsPerMM - 0.5, gy = (y - origin.y) * cellsPerMM - 0.5
            guard gx >= 0, gy >= 0, gx < Double(width - 1), gy < Double(height - 1) else { return 0 }
            let ix = Int(gx), iy = Int(gy)
            let tx = Float(gx - Double(ix)), ty = Float(gy - Double(iy))
            let i = iy * width + ix
            let top = coverage[i] + (coverage[i + 1] - coverage[i]) * tx
            let bottom = coverage[i + width] + (coverage[i + width + 1] - coverage[i + width]) * tx
            return top + (bottom - top) * ty
        }

        /// Arc-length step of the stamps in millimetres: a third of the footprint's thin side.
        private static func step(_ pen: Pen) -> Double { max(0.03, pen.radius * 0.33) }

        /// Centripetal-free (uniform) Catmull–Rom curve through `points`, sampled about every `step` mm.
        private func curve(_ points: [PenPoint], step: Double) -> [PenPoint] {
            guard points.count > 1 else { return points }
            var out: [PenPoint] = [points[0]]
            for i in 0..<(points.count - 1) {
                let p0 = points[max(0, i - 1)], p1 = points[i], p2 = points[i + 1], p3 = points[min(points.count - 1, i + 2)]
                let n = max(1, Int((hypot(p2.x - p1.x, p2.y - p1.y) / step).rounded(.up)))
                for k in 1...n {
                    let t = Double(k) / Double(n), t2 = t * t, t3 = t2 * t
                    func spline(_ a: Double, _ b: Double, _ c: Double, _ d: Double) -> Double {
                        0.5 * (2 * b + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (-a + 3 * b - 3 * c + d) * t3)
                    }
                    out.append(PenPoint(x: spline(p0.x, p1.x, p2.x, p3.x), y: spline(p0.y, p1.y, p2.y, p3.y),
                                        speed: p1.speed + (p2.speed - p1.speed) * t))
                }
            }
            return out
        }

        /// Stamps the pen's footprint at every curve point, keeping the largest coverage per cell.
        private func stamp(_ path: [PenPoint], pen: Pen, texture: Texture, skips: HashNoise, into stroke: inout [Float]) {
            var length = 0.0
            for i in 1..<max(1, path.count) { length += hypot(path[i].x - path[i - 1].x, path[i].y - path[i - 1].y) }
            var along = 0.0
            for (i, p) in path.enumerated() {
                if i > 0 { along += hypot(p.x - path[i - 1].x, p.y - path[i - 1].y) }
                var strength = pen.strength(speed: p.speed, along: along)
                if pen.kind == .ballpoint, pen.skips, along > 0.5, skips.smooth(along / 1.3, 0.5) > 0.55 { strength *= 0.2 }
                var (major, minor) = pen.footprint(speed: p.speed, along: along, length: length)
                if pen.kind == .ballpoint, along < 0.4 { major *= 1.3; minor *= 1.3 }
                let thin = max(0.35, min(1, 2 * minor * cellsPerMM))
                dab(at: p, major: major * cellsPerMM, minor: minor * cellsPerMM, strength: Float(strength * thin),
                    pen: pen, texture: texture, into: &stroke)
            }
        }

        /// One footprint: an ellipse along the nib's angle (a disc for round pens), anti-aliased
        /// over one cell, its edge roughened by `texture`.
        private func dab(at p: PenPoint, major: Double, minor: Double, strength: Float, pen: Pen, texture: Texture,
                         into stroke: inout [Float]) {
            let cx = (p.x - origin.x) * cellsPerMM, cy = (p.y - origin.y) * cellsPerMM
            let reach = major * (1 + texture.ragAmount) + 1
            let x0 = max(0, Int(cx - reach)), x1 = min(width - 1, Int(cx + reach) + 1)
            let y0 = max(0, Int(cy - reach)), y1 = min(height - 1, Int(cy + reach) + 1)
            guard x0 <= x1, y0 <= y1 else { return }
            let (c, s) = (cos(pen.nibAngle), sin(pen.nibAngle))
            let a = max(major, 0.5), b = max(minor, 0.5)
            for y in y0...y1 {
                let dy = Double(y) + 0.5 - cy
                for x in x0...x1 {
                    let dx = Double(x) + 0.5 - cx
                    let u = dx * c + dy * s, v = -dx * s + dy * c
                    let q = ((u / a) * (u / a) + (v / b) * (v / b)).squareRoot()
                    let edge = Float((1 - q) * b) + 0.5 + texture.rag(x, y, radius: Float(b))
                    guard edge > 0 else { continue }
                    let value = min(edge, 1) * strength * texture.grain(x, y)
                    if value > stroke[y * width + x] { stroke[y * width + x] = value }
                }
            }
        }
    }

    /// What the paper does to the line: graphite catches on the paper's tooth (pencil), felt-tip
    /// ink bleeds unevenly into the fibres.
    struct Texture {
        let kind: Pen.Kind
        let grainNoise: HashNoise
        let ragNoise: HashNoise
        let cellsPerMM: Double
        let ragAmount: Double

        init(pen: Pen, grain: HashNoise, rag: HashNoise, cellsPerMM: Double) {
            kind = pen.kind
            grainNoise = grain
            ragNoise = rag
            self.cellsPerMM = cellsPerMM
            ragAmount = pen.kind == .feltTip ? 0.12 : 0.04
        }

        /// Pencil: 0.35…1 by the paper's tooth (about 0.15 mm across); other pens 1.
        @inline(__always)
        func grain(_ x: Int, _ y: Int) -> Float {
            guard kind == .pencil else { return 1 }
            let scale = 1 / (0.15 * cellsPerMM)
            let n = grainNoise.smooth(Double(x) * scale, Double(y) * scale)
            return 0.675 + 0.325 * n
        }

        /// Cells the edge moves out (+) or in (−): felt-tip bleeding about 0.2 mm across.
        @inline(__always)
        func rag(_ x: Int, _ y: Int, radius: Float) -> Float {
            let scale = 1 / (0.2 * cellsPerMM)
            return Float(ragAmount) * radius * ragNoise.smooth(Double(x) * scale, Double(y) * scale)
        }
    }
}
