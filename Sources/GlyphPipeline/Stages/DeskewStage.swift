import GlyphImaging

/// Removes the slant of handwriting: shears the glyph horizontally so that its ink has no
/// correlation between x and y, the moment-based deskewing classically used on MNIST.
///
/// The shear is `s = μ11 / μ02` of the intensity-weighted ink (pixels below `threshold` × 255
/// count as paper), applied about the ink's centroid row and limited to ±`max_shear`. With
/// `keep` > 0 only the slant beyond ±`keep` is taken out, so a writer's ordinary lean and the
/// lean that some letters' shapes have (k, v, z) stay, and only a tilted page or an unusually
/// slanted hand is straightened to ±`keep`. The canvas widens to hold the sheared glyph, and
/// columns left without ink are trimmed. Rows do not move, so the glyph's height is kept. Runs
/// after `crop_to_bbox`, before `resize`.
public struct DeskewStage: PipelineStage {
    public static let name = "deskew"
    public static let summary = "shear the glyph upright (MNIST's moment-based deskewing)"
    public static let parameters: [StageParameter<Self>] = [
        .number("max_shear", \.maxShear, in: 0...2, "largest slant corrected, as x shift per row (0.6 ≈ 31°)"),
        .number("threshold", \.threshold, in: 0...1, unit: "fraction", "pixels darker than threshold × 255 weigh nothing and are trimmed"),
        .number("keep", \.keep, in: 0...2, "slant left as it is (x shift per row): only the slant beyond ±keep is taken out"),
    ]

    public var maxShear: Double = 0.6
    public var threshold: Double = 0.35
    public var keep: Double = 0

    public init() {}

    public var label: String { keep > 0 ? "beyond \(keep.compact), ≤ \(maxShear.compact)" : "≤ \(maxShear.compact)" }

    /// The horizontal shear (x shift per row, positive when the glyph leans left) that makes
    /// the ink upright, and the centroid row; nil without ink above `level`.
    public static func slant(_ image: Raster, level: Float) -> (shear: Double, centroidY: Double)? {
        var total = 0.0, sumX = 0.0, sumY = 0.0, sumXY = 0.0, sumYY = 0.0
        for y in 0..<image.height {
            let row = y * image.width
            var rowTotal = 0.0, rowX = 0.0
            for x in 0..<image.width {
                let value = image.pixels[row + x]
                guard value >= level else { continue }
                rowTotal += Double(value)
                rowX += Double(value) * Double(x)
            }
            let fy = Double(y)
            total += rowTotal
            sumX += rowX
            sumY += rowTotal * fy
            sumXY += rowX * fy
            sumYY += rowTotal * fy * fy
        }
        guard total > 0 else { return nil }
        let cx = sumX / total, cy = sumY / total
        let mu11 = sumXY / total - cx * cy
        let mu02 = sumYY / total - cy * cy
        guard mu02 > 1e-9 else { return (0, cy) }
        return (mu11 / mu02, cy)
    }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        let level = Float(threshold * 255)
        guard image.channels == 1, let (raw, cy) = Self.slant(image, level: level) else { return image }
        let excess = max(0, abs(raw) - keep)
        let shear = (raw < 0 ? -1 : 1) * min(maxShear, excess)
        guard abs(shear) * Double(image.height) >= 0.5 else { return image }
        // Output column of source (x, y): x − shear·(y − cy) − offset, offset the smallest shift.
        let offset = min(shear * cy, -shear * (Double(image.height - 1) - cy))
        let extra = Int((abs(shear) * Double(image.height - 1)).rounded(.up)) + 1
        let width = image.width + extra
        var sheared = Raster(width: width, height: image.height)
        for y in 0..<image.height {
            let shift = offset + shear * (Double(y) - cy)
            let row = y * image.width
            for x in 0..<width {
                let source = Double(x) + shift
                let x0 = Int(source.rounded(.down))
                let fraction = Float(source - Double(x0))
                let left: Float = x0 >= 0 && x0 < image.width ? image.pixels[row + x0] : 0
                let right: Float = x0 + 1 >= 0 && x0 + 1 < image.width ? image.pixels[row + x0 + 1] : 0
                sheared.pixels[y * width + x] = left * (1 - fraction) + right * fraction
            }
        }
        var first = width, last = -1
        for y in 0..<image.height {
            for x in 0..<width where sheared.pixels[y * width + x] >= level {
                first = min(first, x)
                last = max(last, x)
            }
        }
        guard last >= first else { return image }
        let kept = PixelRect(x: first, y: 0, width: last - first + 1, height: image.height)
        // Approximate for the source mapping: the trimmed canvas starts `first + offset` columns
        // to the right of the old one at the centroid row.
        context.originX += (Double(first) + offset) * context.scaleX
        return sheared.cropped(to: kept)
    }
}
