import Foundation
import GlyphImaging

/// Crops to the bounding box of the ink: pixels above a threshold, in connected groups of at
/// least `min_area` pixels (smaller specks are dust and noise, not ink).
///
/// With `ignore_edge_lines`, sheet edges are left out too: in a phone photo the edge of the
/// sheet against the desk leaves a thin bright line after inversion that need not touch the
/// image edge (so `ignore_border` misses it). A group is such a line when it is thin and
/// straight (at least 8 × longer than wide), within 12° of an image axis, within a fifth of
/// the shorter side of the image edge it runs along, at most twice the area of the main ink
/// (the largest group that is not thin and straight), and apart from it towards that edge by
/// a quarter of its size. A t's bar, an i's dot and a lone l stay.
///
/// With `ignore_border`, groups touching the image edge are left out (a desk, a shadow), unless
/// nothing else is left: then those covering at most an eighth of the image are kept, for a
/// letter written up to the edge of the photo.
///
/// `min_area` and `margin` are in pixels of the page's working scale (see `StageContext.pixelScale`).
///
/// Records the box in source pixels for the manifest, and how many letters stand side by side
/// in it (a page of letters through a single-letter pipeline; the manifest then withholds the
/// prediction). An image without ink fails with `no_ink`.
public struct CropToBBoxStage: PipelineStage {
    public static let name = "crop_to_bbox"
    public static let summary = "crop to the bounding box of the ink, ignoring specks smaller than min_area"
    public static let parameters: [StageParameter<Self>] = [
        StageParameter("threshold", type: "fraction 0…1 | otsu", "ink is brighter than threshold × 255 (otsu: chosen from the histogram)",
                       defaultText: { $0.threshold.description }, decode: { stage, container, key in
                           stage.threshold = try Threshold(container, key) ?? stage.threshold
                       }),
        .number("min_area", \.minArea, in: 1...Int(Int32.max), unit: "pixels", "connected groups of ink smaller than this are ignored (pixels of the page's working scale)"),
        .number("margin", \.margin, in: 0...100_000, unit: "pixels", "extra border kept around the box (clipped to the image; pixels of the page's working scale)"),
        .flag("ignore_border", \.ignoreBorder, "ignore groups touching the image edge (desk, sheet edges, shadows) unless no other ink is left"),
        .flag("ignore_edge_lines", \.ignoreEdgeLines, "ignore thin straight lines along an image edge, apart from the letter (sheet edges in photos)"),
    ]

    /// How the ink threshold is chosen.
    public enum Threshold: Sendable, Equatable, CustomStringConvertible {
        case fraction(Double)
        case otsu

        public var description: String {
            switch self {
            case .fraction(let value): value.compact
            case .otsu: "otsu"
            }
        }

        /// A fraction or `otsu` from YAML; nil when absent.
        init?(_ container: KeyedDecodingContainer<AnyCodingKey>, _ key: AnyCodingKey) throws {
            if let text = try? container.decodeIfPresent(String.self, forKey: key), Double(text) == nil {
                guard text == "otsu" else {
                    throw DecodingError.dataCorruptedError(
                        forKey: key, in: container,
                        debugDescription: "threshold must be a fraction between 0 and 1 or 'otsu', got '\(text)'")
                }
                self = .otsu
            } else if container.contains(key) {
                self = .fraction(try container.decode(key, default: 0.5, in: 0...1))
            } else {
                return nil
            }
        }
    }

    public var threshold: Threshold = .fraction(0.5)
    public var minArea: Int = 16
    public var margin: Int = 0
    public var ignoreBorder = false
    public var ignoreEdgeLines = false

    public init() {}

    public var label: String {
        switch threshold {
        case .otsu: return "otsu, ≥\(minArea) px"
        case .fraction(let value): return "t \(value.compact), ≥\(minArea) px"
        }
    }

    /// The ink level for `image`: threshold × 255, or Otsu's level of its histogram.
    func level(for image: Raster) -> Float {
        switch threshold {
        case .otsu: Histogram(image.pixels).otsuThreshold()
        case .fraction(let value): Float(value * 255)
        }
    }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        let level = level(for: image)
        var scaled = self
        scaled.minArea = context.scaledArea(minArea)
        var letters = 0
        guard let box = scaled.inkBox(image, level: level, letters: &letters) else {
            throw StageFailure(.noInk, "no ink above level \(Int(level)) in groups of at least \(scaled.minArea) pixels (blank page?)")
        }
        let margin = context.scaledLength(margin)
        let x0 = max(0, box.x - margin), y0 = max(0, box.y - margin)
        let x1 = min(image.width, box.x + box.width + margin), y1 = min(image.height, box.y + box.height + margin)
        let rect = PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
        context.inkBox = context.sourceRect(for: box)
        context.separateLetters = letters
        context.crop(to: rect)
        return image.cropped(to: rect)
    }

    /// The union of the boxes of 8-connected groups of pixels above `level` with at least
    /// `minArea` pixels (and, with `ignoreBorder`, not touching the image edge; with
    /// `ignoreEdgeLines`, not sheet-edge lines).
    func inkBox(_ image: Raster, level: Float) -> PixelRect? {
        var letters = 0
        return inkBox(image, level: level, letters: &letters)
    }

    /// The ink box, and in `letters` how many letters stand side by side in it
    /// (`PageSegmenter.separateLetters`).
    func inkBox(_ image: Raster, level: Float, letters: inout Int) -> PixelRect? {
        let width = image.width, height = image.height
        var regions = BrightRegions(image, above: level)
        var groups: [InkGroup] = [], borderGroups: [InkGroup] = []
        for start in 0..<(width * height) where regions.isUnvisitedBright(start) {
            var group = InkGroup()
            regions.fill(from: start) { x, y in group.add(x: x, y: y) }
            guard group.area >= minArea else { continue }
            if ignoreBorder && group.touchesEdge(width: width, height: height) { borderGroups.append(group) } else { groups.append(group) }
        }
        if groups.isEmpty {
            // A letter written up to the edge of the photo: the only ink touches the border.
            groups = borderGroups.filter { $0.area <= width * height / Self.largestBorderInkDivisor }
        }
        if ignoreEdgeLines { groups = Self.withoutEdgeLines(groups, width: width, height: height) }
        guard !groups.isEmpty else { return nil }
        letters = PageSegmenter.separateLetters(groups.map(\.box))
        let minX = groups.map(\.minX).min() ?? 0, maxX = groups.map(\.maxX).max() ?? 0
        let minY = groups.map(\.minY).min() ?? 0, maxY = groups.map(\.maxY).max() ?? 0
        return PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
    }

    /// With `ignoreBorder`, when no other ink is left, groups touching the edge are kept if they
    /// cover at most 1/this of the image (ink; a desk or shadow is larger).
    static let largestBorderInkDivisor = 8

    /// Sheet-edge lines (see the type's doc comment): length over width, largest angle to an
    /// image axis in degrees, band along the edges and gap to the main ink as fractions (of the
    /// shorter side and of the main ink's larger extent).
    static let lineElongation = 8.0, maxLineAngle = 12.0, edgeBand = 0.2, lineGap = 0.25

    /// `groups` without sheet-edge lines: thin straight groups along and near an image edge,
    /// at most twice the main ink's area (the largest group that is not thin and straight)
    /// and apart from it towards that edge. Without main ink, all groups stay.
    static func withoutEdgeLines(_ groups: [InkGroup], width: Int, height: Int) -> [InkGroup] {
        let maxSine = sin(maxLineAngle * Double.pi / 180)
        let bars = groups.map(\.bar)
        let isLine = bars.map { $0.length >= lineElongation * max($0.width, 1) && min(abs($0.dx), abs($0.dy)) <= maxSine }
        let notLines = groups.indices.filter { !isLine[$0] }
        guard let mainIndex = notLines.max(by: { groups[$0].area < groups[$1].area }) else { return groups }
        let main = groups[mainIndex]
        let band = edgeBand * Double(min(width, height))
        let gap = max(1, lineGap * Double(max(main.maxX - main.minX, main.maxY - main.minY) + 1))
        return groups.indices.filter { index in
            let group = groups[index]
            guard isLine[index], group.area <= 2 * main.area else { return true }
            let edgeGap: Int, inkGap: Int
            if abs(bars[index].dy) > abs(bars[index].dx) {  // along the left or right edge
                let toLeft = group.minX, toRight = width - 1 - group.maxX
                edgeGap = min(toLeft, toRight)
                inkGap = toLeft < toRight ? main.minX - group.maxX - 1 : group.minX - main.maxX - 1
            } else {  // along the top or bottom edge
                let toTop = group.minY, toBottom = height - 1 - group.maxY
                edgeGap = min(toTop, toBottom)
                inkGap = toTop < toBottom ? main.minY - group.maxY - 1 : group.minY - main.maxY - 1
            }
            return Double(edgeGap) > band || Double(inkGap) < gap
        }.map { groups[$0] }
    }
}

/// One 8-connected group of ink pixels: its size, box and second moments.
struct InkGroup {
    private(set) var area = 0
    private(set) var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
    private var sumX = 0.0, sumY = 0.0, sumXX = 0.0, sumYY = 0.0, sumXY = 0.0

    /// Whether the group reaches the edge of a `width`×`height` image.
    func touchesEdge(width: Int, height: Int) -> Bool {
        minX == 0 || minY == 0 || maxX == width - 1 || maxY == height - 1
    }

    /// The group's bounding box.
    var box: PixelRect { PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1) }

    mutating func add(x: Int, y: Int) {
        area += 1
        minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
        let fx = Double(x), fy = Double(y)
        sumX += fx; sumY += fy; sumXX += fx * fx; sumYY += fy * fy; sumXY += fx * fy
    }

    /// The straight bar with the same second moments (pixels as unit squares; a uniform bar of
    /// length l has variance l²/12 along it): its length, width and long axis's unit direction.
    var bar: (length: Double, width: Double, dx: Double, dy: Double) {
        let n = Double(max(area, 1))
        let mx = sumX / n, my = sumY / n
        let cxx = sumXX / n - mx * mx + 1 / 12, cyy = sumYY / n - my * my + 1 / 12, cxy = sumXY / n - mx * my
        let mean = (cxx + cyy) / 2, spread = ((cxx - cyy) * (cxx - cyy) / 4 + cxy * cxy).squareRoot()
        let major = mean + spread, minor = max(0, mean - spread)
        let angle = 0.5 * atan2(2 * cxy, cxx - cyy)
        return ((12 * major).squareRoot(), (12 * minor).squareRoot(), cos(angle), sin(angle))
    }
}
