import Foundation
import GlyphImaging

/// A point in pixel space (pixel (x, y) covers [x, x+1) × [y, y+1)).
struct PixelPoint: Sendable, Equatable {
    var x: Float
    var y: Float
}

/// A single-channel Float canvas of ink coverage (0 none … 1 full) that thick anti-aliased
/// polylines with round caps and joins are drawn into.
struct CoverageCanvas: Sendable {
    let width: Int
    let height: Int
    var values: [Float]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        values = [Float](repeating: 0, count: width * height)
    }

    /// Draws a polyline of half-width `radius` as a union of capsules (round caps and joins),
    /// keeping the maximum coverage where pieces overlap. One point draws a disc.
    mutating func drawPolyline(_ points: [PixelPoint], radius: Float, strength: Float = 1) {
        drawPolyline(points, radii: [Float](repeating: radius, count: points.count), strength: strength)
    }

    /// As `drawPolyline(_:radius:strength:)` with a half-width per point (pen pressure); each
    /// segment uses the mean of its end points' radii.
    mutating func drawPolyline(_ points: [PixelPoint], radii: [Float], strength: Float = 1) {
        guard let first = points.first, radii.count == points.count else { return }
        if points.count == 1 {
            drawCapsule(first, first, radius: radii[0], strength: strength)
            return
        }
        for i in 1..<points.count {
            drawCapsule(points[i - 1], points[i], radius: 0.5 * (radii[i - 1] + radii[i]), strength: strength)
        }
    }

    /// Coverage of a capsule: for each pixel centre, clamp(radius + 0.5 − distance, 0, 1),
    /// visiting only the segment's bounding box.
    mutating func drawCapsule(_ a: PixelPoint, _ b: PixelPoint, radius: Float, strength: Float) {
        let reach = radius + 0.5
        let minX = min(a.x, b.x) - reach, maxX = max(a.x, b.x) + reach
        let minY = min(a.y, b.y) - reach, maxY = max(a.y, b.y) + reach
        guard minX.isFinite, maxX.isFinite, minY.isFinite, maxY.isFinite,
              maxX >= 0, maxY >= 0, minX < Float(width), minY < Float(height) else { return }
        let x0 = max(0, Int(minX.rounded(.down))), x1 = min(width - 1, Int(maxX.rounded(.up)))
        let y0 = max(0, Int(minY.rounded(.down))), y1 = min(height - 1, Int(maxY.rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let abx = b.x - a.x, aby = b.y - a.y
        let length2 = abx * abx + aby * aby
        let inverse: Float = length2 > 1e-12 ? 1 / length2 : 0
        let reach2 = reach * reach
        let w = width
        values.withUnsafeMutableBufferPointer { buffer in
            for y in y0...y1 {
                let dy = Float(y) + 0.5 - a.y
                let row = y * w
                for x in x0...x1 {
                    let dx = Float(x) + 0.5 - a.x
                    let t = min(max((dx * abx + dy * aby) * inverse, 0), 1)
                    let ex = dx - t * abx, ey = dy - t * aby
                    let d2 = ex * ex + ey * ey
                    if d2 >= reach2 { continue }
                    let c = min(reach - d2.squareRoot(), 1) * strength
                    if c > buffer[row + x] { buffer[row + x] = c }
                }
            }
        }
    }

    /// Separable Gaussian blur of the rectangle `rect` grown by the kernel's reach (coverage
    /// outside `rect` must be zero, so the result is exact and the rest of the canvas untouched).
    mutating func blur(sigma: Float, around rect: PixelRect) {
        guard sigma >= 0.3, rect.width > 0, rect.height > 0 else { return }
        let k = Int((3 * sigma).rounded(.up))
        var kernel = [Float](repeating: 0, count: 2 * k + 1)
        var total: Float = 0
        for i in -k...k {
            let v = Foundation.exp(-Float(i * i) / (2 * sigma * sigma))
            kernel[i + k] = v
            total += v
        }
        for i in kernel.indices { kernel[i] /= total }
        let x0 = max(0, rect.x - k), x1 = min(width - 1, rect.x + rect.width - 1 + k)
        let y0 = max(0, rect.y - k), y1 = min(height - 1, rect.y + rect.height - 1 + k)
        guard x0 <= x1, y0 <= y1 else { return }
        let w = width
        var line = [Float](repeating: 0, count: max(x1 - x0 + 1, y1 - y0 + 1) + 2 * k)
        values.withUnsafeMutableBufferPointer { buffer in
            line.withUnsafeMutableBufferPointer { scratch in
                kernel.withUnsafeBufferPointer { kern in
                    // Rows.
                    let n = x1 - x0 + 1
                    for y in y0...y1 {
                        let row = y * w
                        for i in 0..<(n + 2 * k) { scratch[i] = 0 }
                        for i in 0..<n { scratch[i + k] = buffer[row + x0 + i] }
                        for i in 0..<n {
                            var s: Float = 0
                            for j in 0...(2 * k) { s += scratch[i + j] * kern[j] }
                            buffer[row + x0 + i] = s
                        }
                    }
                    // Columns.
                    let m = y1 - y0 + 1
                    for x in x0...x1 {
                        for i in 0..<(m + 2 * k) { scratch[i] = 0 }
                        for i in 0..<m { scratch[i + k] = buffer[(y0 + i) * w + x] }
                        for i in 0..<m {
                            var s: Float = 0
                            for j in 0...(2 * k) { s += scratch[i + j] * kern[j] }
                            buffer[(y0 + i) * w + x] = s
                        }
                    }
                }
            }
        }
    }
}

/// Smooth 2-D value noise in −1…1 with features about `cell` pixels across.
struct ValueNoise: Sendable {
    private let cell: Float
    private let columns: Int
    private let grid: [Float]

    init(width: Int, height: Int, cell: Float, rng: inout SeededGenerator) {
        self.cell = max(cell, 1)
        columns = Int(Float(width) / self.cell) + 3
        let rows = Int(Float(height) / self.cell) + 3
        var grid = [Float](repeating: 0, count: columns * rows)
        for i in grid.indices { grid[i] = Float(rng.uniform(-1, 1)) }
        self.grid = grid
    }

    /// Fills `row` with the noise along pixel row `y` (sampled at pixel centres), interpolating
    /// between grid rows once and then only along x.
    func fillRow(_ y: Int, into row: UnsafeMutableBufferPointer<Float>) {
        let gy = (Float(y) + 0.5) / cell
        let iy = Int(gy)
        var fy = gy - Float(iy)
        fy = fy * fy * (3 - 2 * fy)
        guard (iy + 2) * columns <= grid.count else {
            for x in row.indices { row[x] = 0 }
            return
        }
        grid.withUnsafeBufferPointer { g in
            let top = iy * columns, bottom = top + columns
            var blended = [Float](repeating: 0, count: columns)
            for c in 0..<columns { blended[c] = g[top + c] + (g[bottom + c] - g[top + c]) * fy }
            blended.withUnsafeBufferPointer { b in
                let step = 1 / cell
                for x in row.indices {
                    let gx = (Float(x) + 0.5) * step
                    let ix = min(Int(gx), columns - 2)
                    var fx = gx - Float(ix)
                    fx = fx * fx * (3 - 2 * fx)
                    row[x] = b[ix] + (b[ix + 1] - b[ix]) * fx
                }
            }
        }
    }

    func value(_ x: Float, _ y: Float) -> Float {
        let gx = max(x, 0) / cell, gy = max(y, 0) / cell
        let ix = Int(gx), iy = Int(gy)
        var fx = gx - Float(ix), fy = gy - Float(iy)
        fx = fx * fx * (3 - 2 * fx)
        fy = fy * fy * (3 - 2 * fy)
        let i = iy * columns + ix
        guard i + columns + 1 < grid.count else { return 0 }
        let top = grid[i] + (grid[i + 1] - grid[i]) * fx
        let bottom = grid[i + columns] + (grid[i + columns + 1] - grid[i + columns]) * fx
        return top + (bottom - top) * fy
    }
}

/// Cheap deterministic per-pixel noise: a table of standard normals indexed by xorshift.
struct PixelNoise: Sendable {
    private var table: [Float]
    private var state: UInt32

    init(rng: inout SeededGenerator) {
        table = (0..<4096).map { _ in Float(rng.normal()) }
        state = UInt32(truncatingIfNeeded: rng.next()) | 1
    }

    /// The next standard-normal sample.
    mutating func gaussian() -> Float {
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return table[Int(state & 4095)]
    }

    /// Three standard-normal samples from one step (three 10-bit fields of the state).
    mutating func gaussian3() -> (Float, Float, Float) {
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return table.withUnsafeBufferPointer { t in
            (t[Int(state & 4095)], t[Int((state >> 10) & 4095)], t[Int((state >> 20) & 4095)])
        }
    }

    /// The next uniform sample in [0, 1).
    mutating func uniform() -> Float {
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return Float(state >> 8) * 0x1.0p-24
    }
}
