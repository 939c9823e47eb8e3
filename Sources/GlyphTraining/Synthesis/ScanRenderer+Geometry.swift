import Foundation
import GlyphImaging

/// Stroke geometry shared by the clean and scan renderings: normalizing, placing in pixel
/// space, smoothing, and the ink's bounding box.
extension ScanRenderer {
    /// Strokes centred on their bounding box and scaled so its larger side is 1.
    static func normalized(_ sample: StrokeSample) -> [[(x: Double, y: Double)]] {
        guard let b = sample.bounds else { return [] }
        let unit = max(b.maxX - b.minX, b.maxY - b.minY)
        let scale = unit > 1e-9 ? 1 / unit : 1
        let cx = (b.minX + b.maxX) / 2, cy = (b.minY + b.maxY) / 2
        return sample.strokes.map { stroke in
            stroke.map { ((($0.x - cx) * scale), (($0.y - cy) * scale)) }
        }
    }

    /// Bounding box of the points, or all zeros when there are none.
    static func bounds(_ strokes: [[(x: Double, y: Double)]]) -> (minX: Double, minY: Double, maxX: Double, maxY: Double) {
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        for stroke in strokes {
            for p in stroke {
                minX = min(minX, p.x); maxX = max(maxX, p.x)
                minY = min(minY, p.y); maxY = max(maxY, p.y)
            }
        }
        return minX.isFinite ? (minX, minY, maxX, maxY) : (0, 0, 0, 0)
    }

    /// Maps normalized strokes into pixel space: bounding-box centre to (`cx`, `cy`), × `scale`.
    static func place(
        _ strokes: [[(x: Double, y: Double)]], scale: Double, cx: Double, cy: Double
    ) -> [[PixelPoint]] {
        let b = bounds(strokes)
        let mx = (b.minX + b.maxX) / 2, my = (b.minY + b.maxY) / 2
        return strokes.map { stroke in
            stroke.map { PixelPoint(x: Float(cx + ($0.x - mx) * scale), y: Float(cy + ($0.y - my) * scale)) }
        }
    }

    /// Smooths a tablet polyline in pixel space: drops repeated points, then cuts corners
    /// (Chaikin, up to three rounds, only while some segment is longer than `step` pixels), so
    /// sparse samples do not show as polygon corners on large renderings. The curve stays
    /// inside the points' convex hull and keeps its end points.
    static func smoothed(_ stroke: [PixelPoint], step: Float = 3) -> [PixelPoint] {
        var points: [PixelPoint] = []
        points.reserveCapacity(stroke.count)
        for p in stroke where points.last.map({ abs($0.x - p.x) + abs($0.y - p.y) > 0.05 }) ?? true {
            points.append(p)
        }
        let step2 = step * step
        for _ in 0..<3 {
            guard points.count > 2 else { break }
            var longest: Float = 0
            for i in 1..<points.count {
                let dx = points[i].x - points[i - 1].x, dy = points[i].y - points[i - 1].y
                longest = max(longest, dx * dx + dy * dy)
            }
            if longest <= step2 { break }
            var out: [PixelPoint] = [points[0]]
            out.reserveCapacity(points.count * 2)
            for i in 0..<(points.count - 1) {
                let a = points[i], b = points[i + 1]
                out.append(PixelPoint(x: 0.75 * a.x + 0.25 * b.x, y: 0.75 * a.y + 0.25 * b.y))
                out.append(PixelPoint(x: 0.25 * a.x + 0.75 * b.x, y: 0.25 * a.y + 0.75 * b.y))
            }
            out.append(points[points.count - 1])
            points = out
        }
        return points
    }

    /// Pixels the strokes can touch with half-width `radius`, clipped to the image.
    static func inkBox(_ strokes: [[PixelPoint]], radius: Float, width: Int, height: Int) -> PixelRect {
        var minX = Float.infinity, minY = Float.infinity, maxX = -Float.infinity, maxY = -Float.infinity
        for stroke in strokes {
            for p in stroke {
                minX = min(minX, p.x); maxX = max(maxX, p.x)
                minY = min(minY, p.y); maxY = max(maxY, p.y)
            }
        }
        guard minX.isFinite else { return PixelRect(x: 0, y: 0, width: 0, height: 0) }
        let x0 = max(0, Int((minX - radius - 1).rounded(.down)))
        let y0 = max(0, Int((minY - radius - 1).rounded(.down)))
        let x1 = min(width, Int((maxX + radius + 1).rounded(.up)))
        let y1 = min(height, Int((maxY + radius + 1).rounded(.up)))
        return PixelRect(x: x0, y: y0, width: max(0, x1 - x0), height: max(0, y1 - y0))
    }
}
