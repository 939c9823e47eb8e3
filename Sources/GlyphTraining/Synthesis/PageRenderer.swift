import Foundation
import GlyphImaging

/// How letters are laid out on a rendered page.
public enum PageLayout: String, Sendable, CaseIterable {
    /// Rows of 3–8 evenly spaced letters, one word per row.
    case rows
    /// Lines of words of 2–6 letters, wrapped at the right margin, sometimes on ruled paper.
    case paragraph
    /// A printed grid of boxes, one letter per box, rows of 5–9 boxes.
    case form
}

/// One letter on a rendered page, in reading order.
public struct PageTruth: Sendable, Equatable {
    /// The box the pen could reach, in image pixels.
    public var box: PixelRect
    public var label: Character
    public var line: Int
    public var word: Int
    public var writer: String
}

/// A rendered page: gray pixels (dark ink on light paper) and where every letter is.
public struct RenderedPage: Sendable {
    public var width: Int
    public var height: Int
    public var gray: [UInt8]
    public var layout: PageLayout
    /// A phone photo (tilt, uneven light, noise, blur) rather than a flat scan.
    public var photo: Bool
    public var glyphs: [PageTruth]

    /// The text on the page: lines joined by `\n`, words by a space.
    public var text: String {
        var text = ""
        for (index, glyph) in glyphs.enumerated() {
            if index > 0 {
                let previous = glyphs[index - 1]
                if previous.line != glyph.line { text += "\n" } else if previous.word != glyph.word { text += " " }
            }
            text.append(glyph.label)
        }
        return text
    }

    public var raster: Raster { Raster(width: width, height: height, channels: 1, bytes: gray) }
}

/// Composes pen-stroke letters (`StrokeSample`s) into pages of rows, paragraphs or boxed forms,
/// as a scan or a phone photo, with the true box of every letter; deterministic for a seed.
///
/// Letters are drawn at one height per page (each sample's larger extent scaled to 0.85–1.1 of
/// it), gaps between letters 0.35–0.8 of the height (rows), 0.3–0.55 (paragraphs, words 1.2–2
/// apart), lines 1.9–2.5 heights apart; photos tilt the page by up to 2.5°.
public struct PageRenderer: Sendable {
    /// The letters to draw from (chosen at random per glyph).
    public var samples: [StrokeSample]

    public init(samples: [StrokeSample]) {
        self.samples = samples.filter(\.isLetter)
    }

    /// Renders one page.
    public func render(layout: PageLayout, photo: Bool, seed: UInt64, stream: UInt64 = 0) -> RenderedPage {
        var rng = SeededGenerator(seed: seed, stream: stream)
        let width = rng.integer(in: 1400...2400)
        let height = Int(Double(width) * (rng.chance(0.5) ? 0.7 : 1.3))
        let letter = Double(min(width, height)) * rng.uniform(0.035, 0.06)
        var plan = PagePlan(width: width, height: height, letter: letter)
        switch layout {
        case .rows: plan.rows(samples, rng: &rng)
        case .paragraph: plan.paragraph(samples, rng: &rng)
        case .form: plan.form(samples, rng: &rng)
        }
        let tilt = photo ? rng.uniform(-2.5, 2.5) * Double.pi / 180 : rng.uniform(-0.5, 0.5) * Double.pi / 180
        let ruled = layout == .paragraph && rng.chance(0.4)
        let style = PageStyle(photo: photo, rng: &rng)
        var ink = CoverageCanvas(width: width, height: height)
        var printed = CoverageCanvas(width: width, height: height)
        let radius = Float(letter * rng.uniform(0.035, 0.07))
        let turn = Turn(angle: tilt, cx: Double(width) / 2, cy: Double(height) / 2)
        var glyphs: [PageTruth] = []
        for placed in plan.letters {
            let strokes = placed.strokes.map { ScanRenderer.smoothed($0.map(turn.apply)) }
            for stroke in strokes { ink.drawPolyline(stroke, radius: radius) }
            glyphs.append(PageTruth(box: ScanRenderer.inkBox(strokes, radius: radius, width: width, height: height),
                                    label: placed.label, line: placed.line, word: placed.word, writer: placed.writer))
        }
        let lineRadius = Float(max(1, letter * 0.02))
        for segment in plan.printed + (ruled ? plan.ruling() : []) {
            printed.drawPolyline([turn.apply(segment.0), turn.apply(segment.1)], radius: lineRadius)
        }
        let everything = PixelRect(x: 0, y: 0, width: width, height: height)
        if style.blur > 0 { ink.blur(sigma: style.blur, around: everything) }
        let gray = style.compose(ink: ink, printed: printed, rng: &rng)
        return RenderedPage(width: width, height: height, gray: gray, layout: layout, photo: photo, glyphs: glyphs)
    }
}

/// A rotation about the page centre.
private struct Turn {
    let cosA: Double, sinA: Double, cx: Double, cy: Double

    init(angle: Double, cx: Double, cy: Double) {
        cosA = cos(angle); sinA = sin(angle)
        self.cx = cx; self.cy = cy
    }

    func apply(_ p: PixelPoint) -> PixelPoint {
        let dx = Double(p.x) - cx, dy = Double(p.y) - cy
        return PixelPoint(x: Float(cx + dx * cosA - dy * sinA), y: Float(cy + dx * sinA + dy * cosA))
    }
}

/// Paper, ink, lighting and noise of a page.
private struct PageStyle {
    let paper: Double, ink: Double, printedInk: Double, gradient: (Double, Double), noise: Double, blur: Float

    init(photo: Bool, rng: inout SeededGenerator) {
        paper = photo ? rng.uniform(150, 225) : rng.uniform(225, 250)
        ink = rng.chance(0.2) ? rng.uniform(90, 130) : rng.uniform(15, 70)  // pencil 1 in 5
        printedInk = rng.uniform(0.45, 0.7)
        gradient = photo ? (rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2)) : (0, 0)
        noise = photo ? rng.uniform(2, 6) : rng.uniform(0.5, 2)
        blur = Float(photo ? rng.uniform(0.4, 1.2) : rng.uniform(0, 0.6))
    }

    func compose(ink coverage: CoverageCanvas, printed: CoverageCanvas, rng: inout SeededGenerator) -> [UInt8] {
        let width = coverage.width, height = coverage.height
        var noise = PixelNoise(rng: &rng)
        var out = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let light = 1 + gradient.0 * (Double(x) / Double(width) - 0.5) + gradient.1 * (Double(y) / Double(height) - 0.5)
                let i = y * width + x
                var value = paper * light
                value -= Double(printed.values[i]) * (value * (1 - printedInk))
                value -= Double(coverage.values[i]) * (value - ink * light)
                value += Double(noise.gaussian()) * self.noise
                out[i] = ScanRenderer.byte(Float(value))
            }
        }
        return out
    }
}
