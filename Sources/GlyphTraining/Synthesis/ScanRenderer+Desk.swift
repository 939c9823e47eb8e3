import Foundation
import GlyphImaging

extension ScanRenderer {
    /// The desk beyond some edges of the sheet: each edge a slightly tilted line, kept clear
    /// of the glyph.
    struct Desk {
        /// (normal x, normal y, offset): inside the sheet where n·p > offset. Empty: no desk.
        private(set) var edges: [(Float, Float, Float)] = []
        private(set) var colour: (Float, Float, Float) = (0, 0, 0)
        /// How far the sheet's shadow reaches onto the desk, in pixels.
        let shadow: Float

        init(
            parameters p: ScanRenderParameters, chalkboard: Bool, frame: Frame, inkBox box: PixelRect,
            rng: inout SeededGenerator
        ) {
            if !chalkboard, rng.chance(p.deskProbability) {
                colour = Self.surface(rng: &rng)
                edges = Self.edges(frame: frame, clearOf: box, rng: &rng)
            }
            shadow = Float(rng.uniform(0.01, 0.03) * frame.short)
        }

        private static func surface(rng: inout SeededGenerator) -> (Float, Float, Float) {
            switch rng.index(below: 3) {
            case 0: return (Float(rng.uniform(0.35, 0.5)), Float(rng.uniform(0.22, 0.3)), Float(rng.uniform(0.12, 0.18))) // wood
            case 1: let g = Float(rng.uniform(0.1, 0.22)); return (g, g, g * 1.06) // dark
            default: let g = Float(rng.uniform(0.45, 0.6)); return (g, g, g * 1.04) // grey
            }
        }

        /// One or two sheet edges on random sides, each kept only if the ink box stays clear of it.
        private static func edges(frame: Frame, clearOf box: PixelRect, rng: inout SeededGenerator) -> [(Float, Float, Float)] {
            let width = frame.width, height = frame.height, short = frame.short
            var edges: [(Float, Float, Float)] = []
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
            return edges
        }

        /// Replaces the sheet by the desk outside its edges at pixel centre (`fx`, `fy`); the
        /// sheet casts a soft shadow on the desk along each edge.
        @inline(__always)
        func apply(fx: Float, fy: Float, texture: Float, r: inout Float, g: inout Float, bl: inout Float) {
            guard !edges.isEmpty else { return }
            var inside: Float = 1, distance = Float.infinity
            for e in edges {
                let d = e.0 * fx + e.1 * fy - e.2
                inside = min(inside, min(max(d + 0.5, 0), 1))
                distance = min(distance, d)
            }
            if inside < 1 {
                let shade = 1 - 0.45 * max(0, 1 + distance / shadow)
                let t = 1 + 2.5 * (texture - 1)
                let dr = colour.0 * t * shade, dg = colour.1 * t * shade, db = colour.2 * t * shade
                r = dr + (r - dr) * inside; g = dg + (g - dg) * inside; bl = db + (bl - db) * inside
            }
        }
    }
}
