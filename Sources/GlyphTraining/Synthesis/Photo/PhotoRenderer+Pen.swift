import Foundation

extension PhotoRenderer {
    /// A point of the pen's path on the sheet (millimetres, y down) with the pen's speed there
    /// relative to the writer's median speed.
    struct PenPoint {
        var x: Double
        var y: Double
        var speed: Double
    }

    /// The sample's strokes on the sheet in millimetres, centred on the origin, written by a hand
    /// that is not the tablet's: a whole-letter affine change, a small shift and turn per stroke
    /// and a slow sideways wobble. Sparse tablet points are joined by Catmull–Rom curves later.
    struct Handwriting {
        var strokes: [[PenPoint]]
        /// Half the letter's width and height in millimetres (its box is centred on the origin).
        let extent: (x: Double, y: Double)

        init(_ sample: StrokeSample, heightMM: Double, rng: inout SeededGenerator) {
            let raw = sample.strokes.filter { !$0.isEmpty }
            var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
            for p in raw.joined() { minX = min(minX, p.x); maxX = max(maxX, p.x); minY = min(minY, p.y); maxY = max(maxY, p.y) }
            let span = max(maxX - minX, maxY - minY)
            let unit = span.isFinite && span > 1e-9 ? heightMM / span : 1
            let cx = minX.isFinite ? (minX + maxX) / 2 : 0, cy = minY.isFinite ? (minY + maxY) / 2 : 0
            let turn = rng.normal(mean: 0, deviation: 0.05), shear = rng.normal(mean: 0, deviation: 0.09)
            let squash = exp(rng.normal(mean: 0, deviation: 0.07))
            let (cosT, sinT) = (cos(turn), sin(turn))
            let wobble = (amplitude: heightMM * rng.uniform(0, 0.012), wavelength: heightMM * rng.uniform(0.5, 1.2),
                          phase: rng.uniform(0, 2 * Double.pi))
            let speeds = raw.map(Self.speeds)
            let median = Self.median(speeds.joined().filter { $0 > 0 }) ?? 1
            var strokes: [[PenPoint]] = []
            for (index, stroke) in raw.enumerated() {
                let shift = (rng.normal(mean: 0, deviation: 0.012 * heightMM), rng.normal(mean: 0, deviation: 0.012 * heightMM))
                let own = rng.normal(mean: 0, deviation: 0.025)
                var travelled = 0.0
                var points: [PenPoint] = []
                for (i, p) in stroke.enumerated() {
                    var x = (p.x - cx) * unit * squash, y = (p.y - cy) * unit / squash
                    x += shear * -y
                    (x, y) = (x * cos(own) - y * sin(own), x * sin(own) + y * cos(own))
                    (x, y) = (x * cosT - y * sinT + shift.0, x * sinT + y * cosT + shift.1)
                    if let last = points.last { travelled += hypot(x - last.x, y - last.y) }
                    let sway = wobble.amplitude * sin(2 * Double.pi * travelled / wobble.wavelength + wobble.phase)
                    points.append(PenPoint(x: x + sway * cosT, y: y + sway * sinT, speed: speeds[index][i] / median))
                }
                strokes.append(points)
            }
            var ex = 0.0, ey = 0.0
            for p in strokes.joined() { ex = max(ex, abs(p.x)); ey = max(ey, abs(p.y)) }
            self.strokes = strokes
            extent = (max(ex, 0.5), max(ey, 0.5))
        }

        /// Distance to the neighbouring points per point (tablet units; the tablet samples at a
        /// fixed rate, so this is the speed).
        private static func speeds(_ stroke: [StrokeSample.Point]) -> [Double] {
            stroke.indices.map { i in
                let a = stroke[max(0, i - 1)], b = stroke[min(stroke.count - 1, i + 1)]
                let steps = Double(min(stroke.count - 1, i + 1) - max(0, i - 1))
                return steps > 0 ? hypot(b.x - a.x, b.y - a.y) / steps : 0
            }
        }

        private static func median(_ values: [Double]) -> Double? {
            guard !values.isEmpty else { return nil }
            return values.sorted()[values.count / 2]
        }
    }

    /// What the letter is written with.
    struct Pen {
        enum Kind: CaseIterable {
            case ballpoint, gel, feltTip, nib, pencil
        }

        let kind: Kind
        /// Half the line's width in millimetres at normal pressure (for a nib: its thin side).
        let radius: Double
        /// What a fully inked spot multiplies the paper's reflectance by, per channel.
        let transmittance: (Float, Float, Float)
        /// How dark a full line is, 0…1.
        let density: Double
        /// Nib only: the nib's angle (radians) and its width over its thickness.
        let nibAngle: Double
        let nibRatio: Double
        /// Ballpoint only: whether it skips (runs dry over short stretches).
        let skips: Bool

        static func choose(rng: inout SeededGenerator) -> Pen {
            let pick = rng.unit()
            let kind: Kind = pick < 0.34 ? .ballpoint : pick < 0.56 ? .gel : pick < 0.76 ? .feltTip : pick < 0.86 ? .nib : .pencil
            let colour = Self.colour(for: kind, rng: &rng)
            let radius: Double, density: Double
            switch kind {
            case .ballpoint: radius = rng.uniform(0.18, 0.36); density = rng.uniform(0.75, 0.97)
            case .gel: radius = rng.uniform(0.22, 0.45); density = rng.uniform(0.9, 1)
            case .feltTip: radius = rng.logUniform(0.35...1.5); density = rng.uniform(0.8, 0.95)
            case .nib: radius = rng.uniform(0.12, 0.25); density = rng.uniform(0.85, 1)
            case .pencil: radius = rng.uniform(0.22, 0.5); density = rng.uniform(0.55, 0.85)
            }
            return Pen(kind: kind, radius: radius, transmittance: colour, density: density,
                       nibAngle: rng.uniform(0.35, 1.05), nibRatio: rng.uniform(2.5, 4.5), skips: rng.chance(0.4))
        }

        private static func colour(for kind: Kind, rng: inout SeededGenerator) -> (Float, Float, Float) {
            func near(_ c: (Float, Float, Float)) -> (Float, Float, Float) {
                let d = Float(rng.uniform(-0.05, 0.05))
                return (max(0.02, c.0 + d), max(0.02, c.1 + d), max(0.02, c.2 + d))
            }
            let u = rng.unit()
            switch kind {
            case .pencil: return near((0.40, 0.40, 0.43))
            case .ballpoint: return near(u < 0.6 ? (0.22, 0.28, 0.68) : u < 0.92 ? (0.14, 0.14, 0.16) : (0.8, 0.16, 0.2))
            case .gel: return near(u < 0.4 ? (0.08, 0.08, 0.1) : u < 0.75 ? (0.15, 0.22, 0.75) : u < 0.88 ? (0.4, 0.2, 0.62) : (0.15, 0.5, 0.3))
            case .feltTip: return near(u < 0.55 ? (0.1, 0.1, 0.12) : u < 0.8 ? (0.2, 0.3, 0.72) : u < 0.92 ? (0.78, 0.14, 0.16) : (0.12, 0.45, 0.25))
            case .nib: return near(u < 0.5 ? (0.18, 0.22, 0.42) : u < 0.8 ? (0.1, 0.1, 0.12) : (0.22, 0.32, 0.85))
            }
        }

        /// Half-axes (in millimetres) of the pen's footprint at a point with relative `speed`,
        /// `along` millimetres into a stroke of `length`.
        func footprint(speed: Double, along: Double, length: Double) -> (major: Double, minor: Double) {
            let ends = min(1, along / 1.2, (length - along) / 1.2)
            let slow = 1 - min(1, max(0, speed))
            switch kind {
            case .ballpoint: return (radius, radius)
            case .gel: let r = radius * (1 + 0.15 * slow); return (r, r)
            case .feltTip: let r = radius * (0.75 + 0.25 * max(0, ends)) * (1 + 0.2 * slow); return (r, r)
            case .nib: return (radius * nibRatio * (0.7 + 0.3 * max(0, ends)), radius)
            case .pencil: return (radius, radius)
            }
        }

        /// How much ink a point leaves (0…1) before grain and skips, from speed and pressure.
        func strength(speed: Double, along: Double) -> Double {
            switch kind {
            case .ballpoint: return density * (along < 0.5 ? 1 : 1 - 0.35 * min(1, max(0, speed - 0.6)))
            case .pencil: return density * (1 - 0.25 * min(1, max(0, speed - 0.8)))
            default: return density
            }
        }
    }
}
