/// Redraws the glyph with strokes of one relative width, so a fine ballpoint and a marker
/// both look like EMNIST strokes.
///
/// The ink (pixels above half the brightest) is reduced to its medial ridge — the local maxima
/// of the Euclidean distance to the background — and every pixel within `target`/2 of that
/// ridge becomes ink, where `target` is a fraction of the glyph's longer side. Runs after
/// `crop_to_bbox`, before `resize`.
public struct StrokeWidthStage: PipelineStage {
    public static let name = "stroke_width"
    public static let summary = "redraw strokes at one width relative to the glyph (medial ridge + distance)"
    public static let parameters = [
        ParameterDoc("target", "fraction 0.01…0.5", default: "0.09", "stroke width as a fraction of the glyph's longer side"),
    ]

    public var target: Double = 0.09

    public init(target: Double = 0.09) { self.target = target }

    enum CodingKeys: String, CodingKey, CaseIterable { case target }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: CodingKeys.allCases.map(\.rawValue), in: Self.name)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        target = try container.decode(.target, default: 0.09, in: 0.01...0.5)
    }

    public var label: String { "\(target.compact) of glyph" }

    /// The mean stroke width of the ink in pixels: for a straight stroke w pixels wide the
    /// distances to the background are 1…w/2 (to pixel centres), whose mean is (w + 2)/4.
    public static func measureWidth(_ image: Raster) -> Double {
        let ink = mask(image)
        let inside = insideDistances(ink, width: image.width, height: image.height)
        var sum = 0.0, count = 0
        for index in ink.indices where ink[index] {
            sum += Double(inside[index])
            count += 1
        }
        return count > 0 ? max(1, 4 * sum / Double(count) - 2) : 0
    }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        let width = image.width, height = image.height
        let ink = Self.mask(image)
        guard ink.contains(true) else { return image }
        // Distance of each ink pixel to the background; its local maxima form the ridge.
        let inside = Self.insideDistances(ink, width: width, height: height)
        var ridge = [Bool](repeating: false, count: width * height)
        for y in 0..<height {
            for x in 0..<width where ink[y * width + x] {
                let value = inside[y * width + x]
                var isMaximum = true
                for ny in max(0, y - 1)...min(height - 1, y + 1) where isMaximum {
                    for nx in max(0, x - 1)...min(width - 1, x + 1) where inside[ny * width + nx] > value {
                        isMaximum = false
                        break
                    }
                }
                ridge[y * width + x] = isMaximum
            }
        }
        // Redraw: within radius of the ridge. The canvas grows by the radius on every side so
        // strokes at the edge of the crop keep their full width.
        let radius = max(0.5, target * Double(max(width, height)) / 2)
        let pad = Int(radius.rounded(.up))
        let outWidth = width + 2 * pad, outHeight = height + 2 * pad
        let toRidge = DistanceTransform.distances(width: outWidth, height: outHeight) { index in
            let x = index % outWidth - pad, y = index / outWidth - pad
            return x >= 0 && y >= 0 && x < width && y < height && ridge[y * width + x]
        }
        var out = Raster(width: outWidth, height: outHeight)
        for index in out.pixels.indices {
            // One pixel of linear edge for anti-aliasing.
            let distance = Double(toRidge[index])
            out.pixels[index] = Float(255 * min(1, max(0, radius + 0.5 - distance)))
        }
        context.originX -= Double(pad) * context.scaleX
        context.originY -= Double(pad) * context.scaleY
        return out
    }

    /// Distance of each pixel to the nearest background pixel, counting everything outside
    /// the image as background (a crop cuts the paper off right at the ink).
    static func insideDistances(_ ink: [Bool], width: Int, height: Int) -> [Float] {
        let paddedWidth = width + 2
        let padded = DistanceTransform.distances(width: paddedWidth, height: height + 2) { index in
            let x = index % paddedWidth - 1, y = index / paddedWidth - 1
            return x < 0 || y < 0 || x >= width || y >= height || !ink[y * width + x]
        }
        var inside = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width { inside[y * width + x] = padded[(y + 1) * paddedWidth + x + 1] }
        }
        return inside
    }

    static func mask(_ image: Raster) -> [Bool] {
        let level = (image.pixels.max() ?? 0) / 2
        return image.pixels.map { $0 > level && $0 > 0 }
    }
}

/// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher), in pixels.
enum DistanceTransform {
    /// For every pixel, the distance to the nearest pixel where `isSource` is true
    /// (a large value when there is none).
    static func distances(width: Int, height: Int, isSource: (Int) -> Bool) -> [Float] {
        let infinity: Float = 1e12
        var squared = [Float](repeating: 0, count: width * height)
        for index in squared.indices { squared[index] = isSource(index) ? 0 : infinity }
        var line = [Float](repeating: 0, count: max(width, height))
        var result = line
        for x in 0..<width {
            for y in 0..<height { line[y] = squared[y * width + x] }
            transform1D(line, count: height, into: &result)
            for y in 0..<height { squared[y * width + x] = result[y] }
        }
        for y in 0..<height {
            for x in 0..<width { line[x] = squared[y * width + x] }
            transform1D(line, count: width, into: &result)
            for x in 0..<width { squared[y * width + x] = result[x] }
        }
        return squared.map { $0.squareRoot() }
    }

    /// The lower envelope of parabolas rooted at `f`: out[q] = min over p of (q − p)² + f[p].
    private static func transform1D(_ f: [Float], count n: Int, into out: inout [Float]) {
        guard n > 0 else { return }
        var vertices = [Int](repeating: 0, count: n)
        var boundaries = [Float](repeating: 0, count: n + 1)
        var k = 0
        boundaries[0] = -.infinity
        boundaries[1] = .infinity
        for q in 1..<max(1, n) {
            var s: Float
            repeat {
                let p = vertices[k]
                s = ((f[q] + Float(q * q)) - (f[p] + Float(p * p))) / Float(2 * (q - p))
                if s <= boundaries[k] { k -= 1 } else { break }
            } while k >= 0
            k += 1
            vertices[k] = q
            boundaries[k] = s
            boundaries[k + 1] = .infinity
        }
        k = 0
        for q in 0..<n {
            while boundaries[k + 1] < Float(q) { k += 1 }
            let p = vertices[k]
            out[q] = Float((q - p) * (q - p)) + f[p]
        }
    }
}
