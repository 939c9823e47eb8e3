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
    public static let parameters = [
        ParameterDoc("block", "fraction 0.02…0.5", default: "0.1", "block side as a fraction of the shorter image side"),
        ParameterDoc("percentile", "0…100", default: "50", "percentile of each block taken as its paper level"),
    ]

    public var block: Double = 0.1
    public var percentile: Double = 50

    public init(block: Double = 0.1, percentile: Double = 50) {
        self.block = block
        self.percentile = percentile
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case block, percentile }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: CodingKeys.allCases.map(\.rawValue), in: Self.name)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        block = try container.decode(.block, default: 0.1, in: 0.02...0.5)
        percentile = try container.decode(.percentile, default: 50, in: 0...100)
    }

    public var label: String { "block \(block.compact), p\(percentile.compact)" }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        let background = estimate(image)
        var out = image
        out.pixels.withUnsafeMutableBufferPointer { pixels in
            background.withUnsafeBufferPointer { level in
                for i in pixels.indices { pixels[i] = max(0, pixels[i] - level[i]) }
            }
        }
        return out
    }

    /// The paper level at every pixel.
    func estimate(_ image: Raster) -> [Float] {
        let width = image.width, height = image.height
        let side = max(4, Int(Double(min(width, height)) * block))
        let columns = (width + side - 1) / side, rows = (height + side - 1) / side
        var histograms = [Histogram](repeating: Histogram(), count: columns * rows)
        for y in 0..<height {
            let row = (y / side) * columns
            for x in 0..<width { histograms[row + x / side].add(image[x, y]) }
        }
        let levels = histograms.map { $0.percentile(percentile) }
        var grid = levels
        for r in 0..<rows {
            for c in 0..<columns {
                var neighbourhood: [Float] = []
                for dr in -1...1 {
                    for dc in -1...1 {
                        let rr = min(rows - 1, max(0, r + dr)), cc = min(columns - 1, max(0, c + dc))
                        neighbourhood.append(levels[rr * columns + cc])
                    }
                }
                neighbourhood.sort()
                grid[r * columns + c] = neighbourhood[4]
            }
        }
        // Bilinear between block centres, clamped at the edges.
        var background = [Float](repeating: 0, count: width * height)
        let half = Float(side) / 2
        for y in 0..<height {
            let gy = min(Float(rows - 1), max(0, (Float(y) + 0.5 - half) / Float(side)))
            let r0 = Int(gy), r1 = min(rows - 1, r0 + 1), fy = gy - Float(r0)
            for x in 0..<width {
                let gx = min(Float(columns - 1), max(0, (Float(x) + 0.5 - half) / Float(side)))
                let c0 = Int(gx), c1 = min(columns - 1, c0 + 1), fx = gx - Float(c0)
                let top = grid[r0 * columns + c0] * (1 - fx) + grid[r0 * columns + c1] * fx
                let bottom = grid[r1 * columns + c0] * (1 - fx) + grid[r1 * columns + c1] * fx
                background[y * width + x] = top * (1 - fy) + bottom * fy
            }
        }
        return background
    }
}
