import GlyphImaging

/// Brings the glyph's strokes to one relative width, so a fine ballpoint and a marker both
/// look like EMNIST strokes.
///
/// `redraw` reduces the ink (pixels above half the brightest) to its medial ridge — the local
/// maxima of the Euclidean distance to the background — and inks every pixel within
/// `target`/2 of that ridge, where `target` is a fraction of the glyph's longer side.
/// `thicken` leaves strokes at or above the target alone and only widens thinner ones: ink
/// grows outwards by half the missing width, so the drawn shape is kept. Runs after
/// `crop_to_bbox`, before `resize`.
public struct StrokeWidthStage: PipelineStage {
    public static let name = "stroke_width"
    public static let summary = "bring strokes to one width relative to the glyph (redraw, or only thicken thin ones)"
    public static let parameters: [StageParameter<Self>] = [
        .number("target", \.target, in: 0.01...0.5, unit: "fraction", "stroke width as a fraction of the glyph's longer side"),
        .choice("mode", \.mode, "redraw every stroke at the target, or only widen strokes thinner than it"),
    ]

    /// How the stage reaches the target width.
    public enum Mode: String, Sendable, CaseIterable {
        /// Every stroke redrawn around its medial ridge at exactly the target width.
        case redraw
        /// Thin strokes widened to the target; strokes already as wide are left as drawn.
        case thicken
    }

    public var target: Double = 0.09
    public var mode: Mode = .redraw

    public init() {}

    public var label: String { mode == .redraw ? "\(target.compact) of glyph" : "at least \(target.compact) of glyph" }

    /// The mean stroke width of the ink in pixels: for a straight stroke w pixels wide the
    /// distances to the background are 1…w/2 (to pixel centres), whose mean is (w + 2)/4.
    public static func measureWidth(_ image: Raster) -> Double {
        meanWidth(ofInk: mask(image), width: image.width, height: image.height)
    }

    /// `measureWidth` for an ink mask already computed.
    private static func meanWidth(ofInk ink: [Bool], width: Int, height: Int) -> Double {
        let inside = insideDistances(ink, width: width, height: height)
        var sum = 0.0, count = 0
        for index in ink.indices where ink[index] {
            sum += Double(inside[index])
            count += 1
        }
        return count > 0 ? max(1, 4 * sum / Double(count) - 2) : 0
    }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        let ink = Self.mask(image)
        guard ink.contains(true) else { return image }
        switch mode {
        case .redraw: return redraw(image, ink: ink, context: &context)
        case .thicken: return thicken(image, ink: ink, context: &context)
        }
    }

    /// Widens strokes thinner than the target by growing the ink outwards; the original
    /// pixels stay (brightened where the new ink covers them).
    private func thicken(_ image: Raster, ink: [Bool], context: inout StageContext) -> Raster {
        let width = image.width, height = image.height
        let wanted = target * Double(max(width, height))
        let measured = Self.meanWidth(ofInk: ink, width: width, height: height)
        let grow = (wanted - measured) / 2
        guard grow > 0.25 else { return image }
        let pad = Int(grow.rounded(.up))
        let outWidth = width + 2 * pad, outHeight = height + 2 * pad
        let toInk = DistanceTransform.distances(width: outWidth, height: outHeight) { index in
            let x = index % outWidth - pad, y = index / outWidth - pad
            return x >= 0 && y >= 0 && x < width && y < height && ink[y * width + x]
        }
        let inkLevel = image.pixels.max() ?? 255
        var out = Raster(width: outWidth, height: outHeight)
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                let index = y * outWidth + x
                // How much of the pixel the widened ink covers: the old edge lies half a pixel
                // past the outermost ink pixel centres, the new one `grow` further out.
                let grown = inkLevel * Float(min(1, max(0, grow + 1 - Double(toInk[index]))))
                let sx = x - pad, sy = y - pad
                let original = sx >= 0 && sy >= 0 && sx < width && sy < height ? image[sx, sy] : 0
                out.pixels[index] = max(original, grown)
            }
        }
        context.originX -= Double(pad) * context.scaleX
        context.originY -= Double(pad) * context.scaleY
        return out
    }

    private func redraw(_ image: Raster, ink: [Bool], context: inout StageContext) -> Raster {
        let width = image.width, height = image.height
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
        let longest = max(width, height)
        var line = [Float](repeating: 0, count: longest)
        var result = line
        var scratch = Envelope(capacity: longest)
        for x in 0..<width {
            for y in 0..<height { line[y] = squared[y * width + x] }
            transform1D(line, count: height, into: &result, scratch: &scratch)
            for y in 0..<height { squared[y * width + x] = result[y] }
        }
        for y in 0..<height {
            for x in 0..<width { line[x] = squared[y * width + x] }
            transform1D(line, count: width, into: &result, scratch: &scratch)
            for x in 0..<width { squared[y * width + x] = result[x] }
        }
        return squared.map { $0.squareRoot() }
    }

    /// Working space of `transform1D`, allocated once per image rather than once per line.
    private struct Envelope {
        var vertices: [Int]
        var boundaries: [Float]
        init(capacity: Int) {
            vertices = [Int](repeating: 0, count: capacity)
            boundaries = [Float](repeating: 0, count: capacity + 1)
        }
    }

    /// The lower envelope of parabolas rooted at `f`: out[q] = min over p of (q − p)² + f[p].
    private static func transform1D(_ f: [Float], count n: Int, into out: inout [Float], scratch: inout Envelope) {
        guard n > 0 else { return }
        var k = 0
        scratch.vertices[0] = 0
        scratch.boundaries[0] = -.infinity
        scratch.boundaries[1] = .infinity
        for q in 1..<max(1, n) {
            var s: Float
            repeat {
                let p = scratch.vertices[k]
                s = ((f[q] + Float(q * q)) - (f[p] + Float(p * p))) / Float(2 * (q - p))
                if s <= scratch.boundaries[k] { k -= 1 } else { break }
            } while k >= 0
            k += 1
            scratch.vertices[k] = q
            scratch.boundaries[k] = s
            scratch.boundaries[k + 1] = .infinity
        }
        k = 0
        for q in 0..<n {
            while scratch.boundaries[k + 1] < Float(q) { k += 1 }
            let p = scratch.vertices[k]
            out[q] = Float((q - p) * (q - p)) + f[p]
        }
    }
}
