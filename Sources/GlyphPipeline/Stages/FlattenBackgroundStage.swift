import GlyphImaging

/// Removes uneven lighting (vignettes, gradients, shadows) by subtracting a smooth estimate of
/// the paper level, so one global threshold later separates ink from paper everywhere.
///
/// The estimate is a percentile of each block of the image (paper dominates every block of a
/// single-letter scan), cleaned with a 3×3 median over the blocks (a block covered by a thick
/// stroke takes its neighbours' level), and interpolated bilinearly between block centres.
/// Runs after `invert`, on bright ink over a darker background.
public struct FlattenBackgroundStage: PipelineStage {
    public static let name = "flatten_background"
    public static let summary = "subtract a smooth paper-level estimate (uneven lighting, vignettes, shadows)"
    public static let parameters: [StageParameter<Self>] = [
        .number("block", \.block, in: 0.02...0.5, unit: "fraction", "block side as a fraction of the shorter image side"),
        .number("percentile", \.percentile, in: 0...100, "percentile of each block taken as its paper level"),
    ]

    public var block: Double = 0.1
    public var percentile: Double = 50

    public init() {}

    public var label: String { "block \(block.compact), p\(percentile.compact)" }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        var out = image
        let width = image.width
        out.pixels.withUnsafeMutableBufferPointer { pixels in
            forEachRowOfPaperLevels(image) { y, level in
                let row = y * width
                for x in 0..<width { pixels[row + x] = max(0, pixels[row + x] - level[x]) }
            }
        }
        return out
    }

    /// The paper level at every pixel.
    func estimate(_ image: Raster) -> [Float] {
        let width = image.width
        var background = [Float](repeating: 0, count: width * image.height)
        background.withUnsafeMutableBufferPointer { out in
            forEachRowOfPaperLevels(image) { y, level in
                for x in 0..<width { out[y * width + x] = level[x] }
            }
        }
        return background
    }

    /// Computes the paper level and hands it over one image row at a time (row `y`, one level
    /// per column), so callers need not hold a full-size background image.
    func forEachRowOfPaperLevels(_ image: Raster, _ body: (Int, UnsafeBufferPointer<Float>) -> Void) {
        let width = image.width, height = image.height
        let side = max(4, Int(Double(min(width, height)) * block))
        let columns = (width + side - 1) / side, rows = (height + side - 1) / side
        // One 256-bin histogram per block, in one flat array; even and odd columns count into
        // separate copies (merged below), so runs of equal levels do not serialise the increments.
        let blockBins = columns * rows * 256
        var counts = [Int32](repeating: 0, count: 2 * blockBins)
        image.pixels.withUnsafeBufferPointer { pixels in
            counts.withUnsafeMutableBufferPointer { counts in
                for y in 0..<height {
                    let rowBase = (y / side) * columns, row = y * width
                    for column in 0..<columns {
                        let bins = (rowBase + column) * 256
                        var x = column * side
                        let end = min(width, x + side)
                        while x &+ 2 <= end {
                            counts[bins &+ Int(min(255, max(0, pixels[row &+ x] + 0.5)))] &+= 1
                            counts[blockBins &+ bins &+ Int(min(255, max(0, pixels[row &+ x &+ 1] + 0.5)))] &+= 1
                            x &+= 2
                        }
                        if x < end { counts[bins &+ Int(min(255, max(0, pixels[row &+ x] + 0.5)))] &+= 1 }
                    }
                }
                for i in 0..<blockBins { counts[i] &+= counts[blockBins &+ i] }
            }
        }
        var levels = [Float](repeating: 0, count: columns * rows)
        for index in levels.indices {
            let blockWidth = min(side, width - (index % columns) * side)
            let blockHeight = min(side, height - (index / columns) * side)
            levels[index] = Float(Histogram.index(ofPercentile: percentile, in: counts[(index * 256)..<((index + 1) * 256)],
                                                  total: blockWidth * blockHeight))
        }
        var grid = levels
        var neighbourhood = [Float](repeating: 0, count: 9)
        for r in 0..<rows {
            for c in 0..<columns {
                var n = 0
                for dr in -1...1 {
                    for dc in -1...1 {
                        let rr = min(rows - 1, max(0, r + dr)), cc = min(columns - 1, max(0, c + dc))
                        neighbourhood[n] = levels[rr * columns + cc]
                        n += 1
                    }
                }
                neighbourhood.sort()
                grid[r * columns + c] = neighbourhood[4]
            }
        }
        // Bilinear between block centres, clamped at the edges: per-column weights once, then
        // each row blends two interpolated grid rows.
        let half = Float(side) / 2
        func position(_ coordinate: Int, _ count: Int) -> (Int, Int, Float) {
            let g = min(Float(count - 1), max(0, (Float(coordinate) + 0.5 - half) / Float(side)))
            let lower = Int(g)
            return (lower, min(count - 1, lower + 1), g - Float(lower))
        }
        let columnWeights = (0..<width).map { position($0, columns) }
        var upper = [Float](repeating: 0, count: width), lower = upper, levelsOfRow = upper
        var cachedRows = (-1, -1)
        levelsOfRow.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                let (r0, r1, fy) = position(y, rows)
                if cachedRows != (r0, r1) {
                    for x in 0..<width {
                        let (c0, c1, fx) = columnWeights[x]
                        upper[x] = grid[r0 * columns + c0] * (1 - fx) + grid[r0 * columns + c1] * fx
                        lower[x] = grid[r1 * columns + c0] * (1 - fx) + grid[r1 * columns + c1] * fx
                    }
                    cachedRows = (r0, r1)
                }
                for x in 0..<width { out[x] = upper[x] * (1 - fy) + lower[x] * fy }
                body(y, UnsafeBufferPointer(out))
            }
        }
    }
}
