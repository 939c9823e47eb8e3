import Foundation

extension PhotoRenderer {
    /// The sheet the letter is written on and the desk around it, as reflectance at any point
    /// of the plane (millimetres): plain, squared, lined (maybe with a margin), dotted,
    /// recycled grey with flecks, or coloured (sticky notes), with fibres and clouding, maybe a
    /// fold across it.
    struct Paper {
        enum Kind: CaseIterable {
            case plain, squared, lined, dotted, recycled, coloured
        }

        let kind: Kind
        private let base: (Float, Float, Float)
        private let fibres: HashNoise, clouds: HashNoise
        private let fibreAmount: Float, cloudAmount: Float
        /// Ruling: pitch and offset (mm), half the line's width (mm), colour and strength.
        private let pitch: Double, offset: (Double, Double)
        private let lineHalfWidth: Double
        private let lineColour: (Float, Float, Float)
        private let lineStrength: Float
        /// A red margin line at this x, if any.
        private let margin: Double?
        /// A fold: unit normal, offset, brightness step between its sides and depth of the crease.
        private let fold: (nx: Double, ny: Double, offset: Double, step: Float, crease: Float)?
        /// The sheet's extent in the plane.
        private let sheet: (minX: Double, minY: Double, maxX: Double, maxY: Double)
        let desk: Desk

        init(letter extent: (x: Double, y: Double), pixelsPerMM: Double, rng: inout SeededGenerator) {
            let pick = rng.unit()
            kind = pick < 0.3 ? .plain : pick < 0.5 ? .squared : pick < 0.68 ? .lined : pick < 0.76 ? .dotted
                : pick < 0.88 ? .recycled : .coloured
            fibres = HashNoise(rng: &rng)
            clouds = HashNoise(rng: &rng)
            func near(_ v: Double, _ d: Double = 0.02) -> Float { Float(v + rng.uniform(-d, d)) }
            switch kind {
            case .recycled: let g = rng.uniform(0.74, 0.86); base = (Float(g + 0.02), Float(g), Float(g - 0.04))
            case .coloured:
                let tints: [(Double, Double, Double)] = [(0.98, 0.93, 0.52), (0.97, 0.8, 0.86), (0.8, 0.94, 0.78), (0.78, 0.88, 0.98)]
                let tint = rng.element(of: tints) ?? tints[0]
                base = (near(tint.0), near(tint.1), near(tint.2))
            default: let w = rng.uniform(0.88, 0.97); base = (near(w, 0.015), near(w, 0.015), near(w, 0.015))
            }
            fibreAmount = Float(kind == .recycled ? rng.uniform(0.03, 0.07) : rng.uniform(0.005, 0.025))
            cloudAmount = Float(rng.uniform(0.005, 0.04))
            pitch = kind == .lined ? rng.uniform(6, 9.5) : kind == .squared ? (rng.chance(0.8) ? 5 : 4) : 5
            offset = (rng.uniform(0, pitch), rng.uniform(0, pitch))
            // At coarse scales a line is spread over a pixel and lightened instead of aliasing.
            let thin = rng.uniform(0.06, 0.14)
            lineHalfWidth = max(thin, 0.7 / max(pixelsPerMM, 1e-3))
            lineColour = kind == .lined ? (near(0.45, 0.05), near(0.62, 0.05), near(0.92, 0.04)) : (near(0.55), near(0.62), near(0.78))
            lineStrength = Float((kind == .lined ? rng.uniform(0.5, 0.9) : rng.uniform(0.3, 0.7)) * thin / lineHalfWidth)
            margin = kind == .lined && rng.chance(0.4) ? -extent.x - rng.uniform(4, 25) : nil
            if rng.chance(0.2) {
                let angle = rng.uniform(0, Double.pi)
                fold = (cos(angle), sin(angle), rng.uniform(-1.5, 1.5) * max(extent.x, extent.y),
                        Float(rng.uniform(0.02, 0.06)), Float(rng.uniform(0.03, 0.08)))
            } else {
                fold = nil
            }
            let sizes: [(Double, Double)] = kind == .coloured ? [(76, 76), (127, 76)] : [(148, 210), (210, 297), (210, 297)]
            var size = rng.element(of: sizes) ?? (148, 210)
            if rng.chance(0.5) { size = (size.1, size.0) }
            let room = (x: max(extent.x, extent.y) + 5, y: max(extent.x, extent.y) + 5)
            let w = max(size.0, 2 * room.x + 1), h = max(size.1, 2 * room.y + 1)
            // Mostly towards the middle of the sheet.
            let at = (room.x + (w - 2 * room.x) * rng.uniform(0.15, 0.85), room.y + (h - 2 * room.y) * rng.uniform(0.15, 0.85))
            sheet = (-at.0, -at.1, w - at.0, h - at.1)
            desk = Desk(rng: &rng)
        }

        /// Reflectance at plane point (`x`, `y`): the sheet's, or the desk's beyond its edges.
        @inline(__always)
        func reflectance(_ x: Double, _ y: Double) -> (Float, Float, Float) {
            let outside = max(sheet.minX - x, x - sheet.maxX, sheet.minY - y, y - sheet.maxY)
            if outside > 0 { return desk.reflectance(x, y, fromSheet: outside) }
            var texture = 1 + fibreAmount * fibres.smooth(x * 5, y * 5) + cloudAmount * clouds.smooth(x / 9, y / 9)
            if kind == .recycled, fibres.lattice(Int((x * 3).rounded(.down)), Int((y * 3).rounded(.down))) > 0.996 { texture *= 0.86 }
            if let fold {
                let d = fold.nx * x + fold.ny * y - fold.offset
                texture *= d > 0 ? 1 + fold.step : 1 - fold.step
                let ridge = Float(exp(-(d * d) / 0.18))
                texture *= d > 0 ? 1 + 0.5 * fold.crease * ridge : 1 - fold.crease * ridge
            }
            var colour = (base.0 * texture, base.1 * texture, base.2 * texture)
            let ruled = ruling(x, y)
            if ruled > 0 {
                let k = ruled * lineStrength
                colour = (colour.0 * (1 - k + k * lineColour.0), colour.1 * (1 - k + k * lineColour.1), colour.2 * (1 - k + k * lineColour.2))
            }
            if let margin {
                let k = Float(max(0, 1 - abs(x - margin) / 0.2)) * 0.7
                colour = (colour.0, colour.1 * (1 - k * 0.6), colour.2 * (1 - k * 0.6))
            }
            return colour
        }

        /// How much ruling covers (`x`, `y`), 0…1, with a tent profile (no aliasing at coarse scales).
        @inline(__always)
        private func ruling(_ x: Double, _ y: Double) -> Float {
            func line(_ v: Double) -> Double {
                let m = (v - pitch * (v / pitch).rounded(.down))
                return max(0, 1 - min(m, pitch - m) / lineHalfWidth)
            }
            switch kind {
            case .lined: return Float(line(y - offset.1))
            case .squared: return Float(max(line(x - offset.0), line(y - offset.1)))
            case .dotted:
                let dx = x - offset.0 - pitch * ((x - offset.0) / pitch).rounded()
                let dy = y - offset.1 - pitch * ((y - offset.1) / pitch).rounded()
                return Float(max(0, 1 - (dx * dx + dy * dy).squareRoot() / (2.5 * lineHalfWidth)))
            default: return 0
            }
        }
    }

    /// The surface the sheet lies on: wood with grain, a dark or a grey desk, or a white table.
    struct Desk {
        let colour: (Float, Float, Float)
        private let grain: HashNoise
        private let wood: Bool
        private let direction: (Double, Double)

        init(rng: inout SeededGenerator) {
            let pick = rng.index(below: 4)
            wood = pick == 0
            switch pick {
            case 0: colour = (Float(rng.uniform(0.45, 0.62)), Float(rng.uniform(0.3, 0.4)), Float(rng.uniform(0.16, 0.24)))
            case 1: let g = Float(rng.uniform(0.06, 0.18)); colour = (g, g, g * 1.05)
            case 2: let g = Float(rng.uniform(0.35, 0.55)); colour = (g * 0.98, g, g * 1.03)
            default: let g = Float(rng.uniform(0.7, 0.82)); colour = (g, g, g * 0.98)
            }
            grain = HashNoise(rng: &rng)
            let angle = rng.uniform(0, Double.pi)
            direction = (cos(angle), sin(angle))
        }

        /// Reflectance `fromSheet` mm outside the sheet; the sheet's thin shadow darkens the first millimetres.
        @inline(__always)
        func reflectance(_ x: Double, _ y: Double, fromSheet distance: Double) -> (Float, Float, Float) {
            var shade = Float(1 - 0.35 * exp(-distance / 1.5))
            if wood {
                let along = x * direction.0 + y * direction.1, across = -x * direction.1 + y * direction.0
                shade *= 1 + 0.12 * Float(sin(across * 1.3 + 2.5 * Double(grain.smooth(along / 40, across / 6))))
            } else {
                shade *= 1 + 0.03 * grain.smooth(x / 2, y / 2)
            }
            return (colour.0 * shade, colour.1 * shade, colour.2 * shade)
        }
    }
}
