import Foundation
import GlyphImaging

/// Erases the printed lines of ruled and grid paper. After `normalize` they can be as bright
/// as a fine pen's ink, and where they pass the threshold they join the letter's bounding box:
/// the crop then takes in the whole page and the letter ends up a speck in a corner.
///
/// A line is a straight chain of thin bright runs (pixels above `threshold` × 255, at most
/// `max_width` thick across the line) within `max_angle` of an image axis that covers at least
/// `min_coverage` of the image's width (or height) — longer than the strokes of a letter in a
/// photo of that letter. Lines are found with a Hough transform over the centres of the thin
/// runs, restricted to near-axis slopes. Along each line, the run across it is cleared where it
/// is no thicker than the line's own median run plus one pixel; where a stroke crosses or
/// touches the line the run is thicker and stays, so the letter keeps its pixels. Horizontal
/// lines go first, then vertical ones (grid paper), so grid crossings are cleared too.
///
/// Ruling runs on past the letter: a family of parallel lines is cleared only when at least
/// one of them passes clear of the largest group of ink (away from the image edge) that is
/// left without the lines. The stems of a tightly cropped l, H or E are long and straight
/// too, but none lies beyond the rest of the letter, so they stay.
public struct RemoveRuledLinesStage: PipelineStage {
    public static let name = "remove_ruled_lines"
    public static let summary = "erase the long straight lines of ruled and grid paper, keeping strokes that cross them"
    public static let parameters: [StageParameter<Self>] = [
        .number("threshold", \.threshold, in: 0...1, unit: "fraction", "pixels brighter than threshold × 255 can belong to a line"),
        .number("min_coverage", \.minCoverage, in: 0.3...1, unit: "fraction", "a line covers at least this fraction of the image's width (height)"),
        .number("max_angle", \.maxAngle, in: 0...20, unit: "degrees", "largest tilt of a line from the image axis"),
        .number("max_width", \.maxWidth, in: 0...0.05, unit: "fraction", "thickest line, as a fraction of the image's longer side (at least 2 px)"),
    ]

    public var threshold: Double = 0.25
    public var minCoverage: Double = 0.6
    public var maxAngle: Double = 12
    public var maxWidth: Double = 0.005

    public init() {}

    public var label: String { "≥ \(minCoverage.compact) of the side, ≤ \(maxAngle.compact)°" }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        guard image.channels == 1, image.width >= 8, image.height >= 8 else { return image }
        let level = Float(threshold * 255)
        let thickest = max(2, Int((maxWidth * Double(max(image.width, image.height))).rounded()))
        let axes = [LineAxis.horizontal(image), .vertical(image)]
        let found = axes.map { lines(in: image, along: $0, level: level, thickest: thickest) }
        guard found.contains(where: { !$0.isEmpty }) else { return image }
        // The largest group of ink left once every line is cleared (away from the image edge)
        // is the letter, or its main part; a family of lines is ruling only if one passes clear of it.
        let withoutLines = Self.erasing(found, along: axes, in: image, level: level)
        guard let letter = Self.inkBox(withoutLines, level: level) else { return image }
        let ruling = zip(axes, found).map { axis, lines in
            lines.contains { Self.passesClear(of: letter, $0, along: axis) } ? lines : []
        }
        if ruling.map(\.count) == found.map(\.count) { return withoutLines }
        return Self.erasing(ruling, along: axes, in: image, level: level)
    }

    /// `image` with `lines[i]` (along `axes[i]`) cleared, horizontal lines first so that the
    /// vertical pass also clears the crossings of a grid.
    private static func erasing(_ lines: [[Line]], along axes: [LineAxis], in image: Raster, level: Float) -> Raster {
        var output = image
        for (axis, family) in zip(axes, lines) {
            for line in family { erase(line, along: axis, in: &output, level: level) }
        }
        return output
    }

    /// The box of the largest 8-connected group of pixels above `level` that does not touch
    /// the image edge (a desk or the sheet's edge does), or of the largest group when all of
    /// them do: the letter, or its main part. Nil when that group has fewer than 16 pixels.
    static func inkBox(_ image: Raster, level: Float) -> PixelRect? {
        var regions = BrightRegions(image, above: level)
        var inside = InkGroup(), touching = InkGroup()
        for start in 0..<(image.width * image.height) where regions.isUnvisitedBright(start) {
            var group = InkGroup()
            regions.fill(from: start) { x, y in group.add(x: x, y: y) }
            if group.touchesEdge(width: image.width, height: image.height) {
                if group.area > touching.area { touching = group }
            } else if group.area > inside.area {
                inside = group
            }
        }
        let letter = inside.area >= 16 ? inside : touching
        guard letter.area >= 16 else { return nil }
        return letter.box
    }

    /// Whether `line` stays more than its thickness plus two pixels away from `box` over the
    /// box's whole extent along the line.
    static func passesClear(of box: PixelRect, _ line: Line, along axis: LineAxis) -> Bool {
        let (alongStart, alongEnd, acrossStart, acrossEnd) = axis.isHorizontal
            ? (box.x, box.x + box.width - 1, box.y, box.y + box.height - 1)
            : (box.y, box.y + box.height - 1, box.x, box.x + box.width - 1)
        let margin = Double(line.thickness + 2)
        let ends = [alongStart, alongEnd].map { line.offset + line.slope * Double($0) }
        return ends.allSatisfy { $0 < Double(acrossStart) - margin } || ends.allSatisfy { $0 > Double(acrossEnd) + margin }
    }

    /// A straight line `across = offset + slope × along` and its median thickness across.
    struct Line {
        var offset: Double
        var slope: Double
        var thickness: Int
    }

    /// The middle of a thin bright run across the lines being looked for.
    private struct RunCentre {
        var along: Int
        var across: Double
        var length: Int
    }

    /// The lines along `axis`, strongest first, none closer than three pixels to another.
    func lines(in image: Raster, along axis: LineAxis, level: Float, thickest: Int) -> [Line] {
        let centres = Self.thinRuns(in: image, along: axis, level: level, thickest: thickest)
        // A line covering `needed` positions along the axis has a thin run at each of them.
        let needed = minCoverage * Double(axis.length)
        var hasRun = [Bool](repeating: false, count: axis.length)
        for centre in centres { hasRun[centre.along] = true }
        guard Double(hasRun.lazy.filter { $0 }.count) >= needed else { return [] }
        let maxSlope = tan(maxAngle * Double.pi / 180)
        // Slopes 1.5 px of drift apart over the image; votes are summed over three bins.
        let step = 1.5 / Double(axis.length)
        let slopeSteps = Int((maxSlope / step).rounded(.up))
        let margin = Int((maxSlope * Double(axis.length)).rounded(.up)) + 2
        let binCount = axis.span + 2 * margin
        var votes = [Int32](repeating: 0, count: binCount)
        var candidates: [(votes: Int32, slope: Double, offset: Int)] = []
        let across = centres.map(\.across), along = centres.map { Double($0.along) }
        for k in -slopeSteps...slopeSteps {
            let slope = Double(k) * step
            votes.withUnsafeMutableBufferPointer { votes in
                votes.update(repeating: 0)
                for i in across.indices {
                    let bin = Int((across[i] - slope * along[i]).rounded()) &+ margin
                    if bin >= 0 && bin < binCount { votes[bin] &+= 1 }
                }
            }
            for bin in 1..<(binCount - 1) where votes[bin] > 0 && votes[bin] >= votes[bin - 1] && votes[bin] >= votes[bin + 1] {
                let total = votes[bin - 1] + votes[bin] + votes[bin + 1]
                let offset = bin - margin
                if Double(total) >= minCoverage * Double(axis.inside(offset: Double(offset), slope: slope)) {
                    candidates.append((total, slope, offset))
                }
            }
        }
        candidates.sort { ($0.votes, -abs($0.slope)) > ($1.votes, -abs($1.slope)) }
        var found: [Line] = []
        let middle = Double(axis.length - 1) / 2
        for candidate in candidates {
            let centreAcross = Double(candidate.offset) + candidate.slope * middle
            if found.contains(where: { abs($0.offset + $0.slope * middle - centreAcross) <= 3 }) { continue }
            guard let line = Self.fitted(centres, near: Double(candidate.offset), slope: candidate.slope),
                  Double(line.covered) >= minCoverage * Double(axis.inside(offset: line.line.offset, slope: line.line.slope))
            else { continue }
            found.append(line.line)
        }
        return found
    }

    /// Centres of runs of pixels above `level` across `axis` that are at most `thickest` long.
    /// The image is read row by row either way (for horizontal lines, with a run open per column).
    private static func thinRuns(in image: Raster, along axis: LineAxis, level: Float, thickest: Int) -> [RunCentre] {
        var centres: [RunCentre] = []
        let width = image.width, height = image.height
        func close(along a: Int, start: Int, end: Int) {
            let length = end - start
            if length <= thickest { centres.append(RunCentre(along: a, across: Double(start) + Double(length - 1) / 2, length: length)) }
        }
        image.pixels.withUnsafeBufferPointer { pixels in
            if axis.isHorizontal {
                var open = [Int](repeating: -1, count: width)
                for y in 0..<height {
                    let row = y * width
                    for x in 0..<width {
                        let bright = pixels[row + x] > level
                        if bright && open[x] < 0 {
                            open[x] = y
                        } else if !bright && open[x] >= 0 {
                            close(along: x, start: open[x], end: y)
                            open[x] = -1
                        }
                    }
                }
                for x in 0..<width where open[x] >= 0 { close(along: x, start: open[x], end: height) }
            } else {
                for y in 0..<height {
                    let row = y * width
                    var x = 0
                    while x < width {
                        guard pixels[row + x] > level else { x += 1; continue }
                        let start = x
                        while x < width && pixels[row + x] > level { x += 1 }
                        close(along: y, start: start, end: x)
                    }
                }
            }
        }
        return centres
    }

    /// The least-squares line through the run centres within two pixels of the candidate, with
    /// the number of positions along the axis it covers and its median run length.
    private static func fitted(_ centres: [RunCentre], near offset: Double, slope: Double) -> (line: Line, covered: Int)? {
        var n = 0.0, sa = 0.0, sc = 0.0, saa = 0.0, sac = 0.0
        var positions = Set<Int>(), lengths: [Int] = []
        for centre in centres where abs(centre.across - offset - slope * Double(centre.along)) <= 2 {
            let a = Double(centre.along)
            n += 1; sa += a; sc += centre.across; saa += a * a; sac += a * centre.across
            positions.insert(centre.along)
            lengths.append(centre.length)
        }
        let denominator = n * saa - sa * sa
        guard n >= 2, denominator > 0 else { return nil }
        let fittedSlope = (n * sac - sa * sc) / denominator
        let fittedOffset = (sc - fittedSlope * sa) / n
        lengths.sort()
        return (Line(offset: fittedOffset, slope: fittedSlope, thickness: lengths[lengths.count / 2]), positions.count)
    }

    /// Clears `line` where the bright run across it is at most one pixel thicker than the
    /// line, with one pixel of its anti-aliased rim on each side.
    static func erase(_ line: Line, along axis: LineAxis, in image: inout Raster, level: Float) {
        let limit = line.thickness + 1
        image.pixels.withUnsafeMutableBufferPointer { pixels in
            for a in 0..<axis.length {
                let centre = Int((line.offset + line.slope * Double(a)).rounded())
                var seed = -1
                for c in [centre, centre - 1, centre + 1] where c >= 0 && c < axis.span {
                    if pixels[axis.index(along: a, across: c)] > level { seed = c; break }
                }
                guard seed >= 0 else { continue }
                var first = seed, last = seed
                while first > 0 && pixels[axis.index(along: a, across: first - 1)] > level && seed - first <= limit { first -= 1 }
                while last < axis.span - 1 && pixels[axis.index(along: a, across: last + 1)] > level && last - seed <= limit { last += 1 }
                guard last - first + 1 <= limit else { continue }
                for c in max(0, first - 1)...min(axis.span - 1, last + 1) { pixels[axis.index(along: a, across: c)] = 0 }
            }
        }
    }
}

/// Horizontal lines run along x (across is y); vertical lines along y.
struct LineAxis {
    /// Positions along the lines (the image's width for horizontal lines).
    let length: Int
    /// Positions across them.
    let span: Int
    private let alongStride: Int, acrossStride: Int

    static func horizontal(_ image: Raster) -> LineAxis {
        LineAxis(length: image.width, span: image.height, alongStride: 1, acrossStride: image.width)
    }

    static func vertical(_ image: Raster) -> LineAxis {
        LineAxis(length: image.height, span: image.width, alongStride: image.width, acrossStride: 1)
    }

    var isHorizontal: Bool { alongStride == 1 }

    @inline(__always) func index(along a: Int, across c: Int) -> Int { a * alongStride + c * acrossStride }

    /// How many positions along the axis the line `across = offset + slope × along` spends
    /// inside the image.
    func inside(offset: Double, slope: Double) -> Int {
        guard slope != 0 else { return offset >= -0.5 && offset < Double(span) - 0.5 ? length : 0 }
        let a0 = (-0.5 - offset) / slope, a1 = (Double(span) - 0.5 - offset) / slope
        let low = max(0, min(a0, a1)), high = min(Double(length), max(a0, a1))
        return max(0, Int(high - low))
    }
}
