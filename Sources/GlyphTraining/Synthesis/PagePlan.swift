import Foundation
import GlyphImaging

/// A letter placed on a page plan: its strokes in page pixels before tilt.
struct PlacedLetter {
    var strokes: [[PixelPoint]]
    var label: Character
    var line: Int
    var word: Int
    var writer: String
}

/// Where the letters (and printed lines) of a page go, before tilt and rendering. Every page
/// is written by one writer, drawn at random.
struct PagePlan {
    let width: Int, height: Int
    /// The letter height in pixels.
    let letter: Double
    var letters: [PlacedLetter] = []
    /// Printed line segments (form boxes).
    var printed: [(PixelPoint, PixelPoint)] = []
    /// Baselines written on, for ruled paper.
    var baselines: [Double] = []

    init(width: Int, height: Int, letter: Double) {
        self.width = width
        self.height = height
        self.letter = letter
    }

    private var left: Double { 0.08 * Double(width) }
    private var right: Double { 0.92 * Double(width) }
    private var top: Double { 0.08 * Double(height) + letter }
    private var bottom: Double { 0.92 * Double(height) - letter }

    /// One writer's letters.
    private static func writerSamples(_ samples: [StrokeSample], rng: inout SeededGenerator) -> [StrokeSample] {
        let writers = Array(Set(samples.map(\.writer))).sorted()
        guard let writer = rng.element(of: writers) else { return [] }
        return samples.filter { $0.writer == writer }
    }

    /// A letter's strokes scaled so its larger extent is `size`, centred at (`cx`, `cy`),
    /// with its width.
    private static func shape(_ sample: StrokeSample, size: Double, slant: Double) -> (strokes: [[(x: Double, y: Double)]], width: Double, height: Double) {
        let strokes = ScanRenderer.normalized(sample).map { $0.map { (x: $0.x + slant * $0.y, y: $0.y) } }
        let b = ScanRenderer.bounds(strokes)
        let extent = max(b.maxX - b.minX, b.maxY - b.minY, 1e-9)
        return (strokes, (b.maxX - b.minX) * size / extent, (b.maxY - b.minY) * size / extent)
    }

    private mutating func put(_ sample: StrokeSample, shape: (strokes: [[(x: Double, y: Double)]], width: Double, height: Double),
                              size: Double, x: Double, cy: Double, line: Int, word: Int) {
        let b = ScanRenderer.bounds(shape.strokes)
        let extent = max(b.maxX - b.minX, b.maxY - b.minY, 1e-9)
        let placed = ScanRenderer.place(shape.strokes, scale: size / extent, cx: x + shape.width / 2, cy: cy)
        letters.append(PlacedLetter(strokes: placed, label: sample.classLabel ?? sample.character,
                                    line: line, word: word, writer: sample.writer))
    }

    /// Rows of 3–8 evenly spaced letters.
    mutating func rows(_ all: [StrokeSample], rng: inout SeededGenerator) {
        let samples = Self.writerSamples(all, rng: &rng)
        let spacing = letter * rng.uniform(1.9, 2.5)
        let slant = rng.uniform(-0.15, 0.25)
        var y = top, line = 0
        while y < bottom && line < 5 {
            let gap = letter * rng.uniform(0.35, 0.8)
            var x = left + rng.uniform(0, 0.2) * Double(width)
            let count = rng.integer(in: 3...8)
            var placed = 0
            for _ in 0..<count {
                guard let sample = rng.element(of: samples) else { return }
                let size = letter * rng.uniform(0.85, 1.1)
                let shape = Self.shape(sample, size: size, slant: slant)
                guard x + shape.width < right else { break }
                put(sample, shape: shape, size: size, x: x, cy: y + letter * rng.uniform(-0.06, 0.06), line: line, word: 0)
                x += shape.width + gap * rng.uniform(0.9, 1.1)
                placed += 1
            }
            guard placed > 0 else { break }
            baselines.append(y + letter / 2)
            y += spacing
            line += 1
        }
    }

    /// Lines of words of 2–6 letters, wrapped at the right margin.
    mutating func paragraph(_ all: [StrokeSample], rng: inout SeededGenerator) {
        let samples = Self.writerSamples(all, rng: &rng)
        let spacing = letter * rng.uniform(1.9, 2.5)
        let gap = letter * rng.uniform(0.3, 0.55)
        let slant = rng.uniform(-0.15, 0.25)
        let lines = rng.integer(in: 3...6)
        var y = top, line = 0, x = left, word = 0
        while y < bottom && line < lines {
            let count = rng.integer(in: 2...6)
            var shapes: [(StrokeSample, (strokes: [[(x: Double, y: Double)]], width: Double, height: Double), Double)] = []
            for _ in 0..<count {
                guard let sample = rng.element(of: samples) else { return }
                let size = letter * rng.uniform(0.85, 1.1)
                shapes.append((sample, Self.shape(sample, size: size, slant: slant), size))
            }
            let wordWidth = shapes.map(\.1.width).reduce(0, +) + gap * Double(count - 1)
            if x + wordWidth > right && word > 0 {
                baselines.append(y + letter / 2)
                line += 1
                y += spacing
                x = left
                word = 0
                guard y < bottom && line < lines else { break }
            }
            for (sample, shape, size) in shapes {
                put(sample, shape: shape, size: size, x: x, cy: y + letter * rng.uniform(-0.06, 0.06), line: line, word: word)
                x += shape.width + gap * rng.uniform(0.9, 1.1)
            }
            x += letter * rng.uniform(1.2, 2.0) - gap
            word += 1
        }
        baselines.append(y + letter / 2)
    }

    /// Rows of 5–9 boxes, one letter in each.
    mutating func form(_ all: [StrokeSample], rng: inout SeededGenerator) {
        let samples = Self.writerSamples(all, rng: &rng)
        let side = letter * 1.6
        let slant = rng.uniform(-0.15, 0.25)
        var y = top - letter / 2, line = 0
        while y + side < bottom + letter && line < 5 {
            let count = min(rng.integer(in: 5...9), Int((right - left) / side))
            let x0 = left + rng.uniform(0, 0.1) * Double(width)
            let p = { (x: Double, y: Double) in PixelPoint(x: Float(x), y: Float(y)) }
            let x1 = x0 + Double(count) * side
            printed.append((p(x0, y), p(x1, y)))
            printed.append((p(x0, y + side), p(x1, y + side)))
            for box in 0...count { printed.append((p(x0 + Double(box) * side, y), p(x0 + Double(box) * side, y + side))) }
            for box in 0..<count {
                guard let sample = rng.element(of: samples) else { return }
                let size = side * rng.uniform(0.55, 0.7)
                let shape = Self.shape(sample, size: size, slant: slant)
                let cx = x0 + (Double(box) + 0.5) * side + side * rng.uniform(-0.06, 0.06)
                put(sample, shape: shape, size: size, x: cx - shape.width / 2, cy: y + side / 2 + side * rng.uniform(-0.06, 0.06),
                    line: line, word: 0)
            }
            y += side * rng.uniform(1.6, 2.2)
            line += 1
        }
    }

    /// Ruled paper: a printed line under every written line, and on across the page.
    func ruling() -> [(PixelPoint, PixelPoint)] {
        guard let first = baselines.first else { return [] }
        let step = baselines.count > 1 ? (baselines[baselines.count - 1] - first) / Double(baselines.count - 1) : letter * 2.2
        var lines: [(PixelPoint, PixelPoint)] = []
        var y = first + letter * 0.1
        while y > letter { y -= step }
        while y < Double(height) - letter {
            lines.append((PixelPoint(x: 0, y: Float(y)), PixelPoint(x: Float(width), y: Float(y))))
            y += step
        }
        return lines
    }
}
