/// Winograd F(2×2, 3×3) convolution (Lavin & Gray 2015) for 2-D 3×3 convolutions with stride 1,
/// dilation 1 and one group: 4×4 input tiles are transformed (Bᵀ·d·B), multiplied with the filters
/// transformed at load time (G·g·Gᵀ) as 16 GEMMs [M × C]·[C × tiles], and transformed back (Aᵀ·m·A)
/// with bias, residual and Relu applied in the same pass. 2.25× fewer multiplications than im2col + GEMM.

/// Filters transformed once at load time: 16 matrices [M × C], one per element of the 4×4 tile.
struct WinogradFilter: Sendable {
    let outChannels: Int
    let inChannels: Int
    let u: [Float]

    /// Transforms W [M, C, 3, 3]; nil for any other shape.
    init?(_ w: Tensor) {
        guard w.rank == 4, w.shape[2] == 3, w.shape[3] == 3, w.shape[0] > 0, w.shape[1] > 0 else { return nil }
        let (m, c) = (w.shape[0], w.shape[1])
        var u = [Float](repeating: 0, count: 16 * m * c)
        for f in 0..<m {
            for ch in 0..<c {
                let g = (0..<9).map { Double(w.data[(f * c + ch) * 9 + $0]) }
                // G·g (4×3), then (G·g)·Gᵀ (4×4), in double precision.
                var t = [Double](repeating: 0, count: 12)
                for col in 0..<3 {
                    let (g0, g1, g2) = (g[col], g[3 + col], g[6 + col])
                    (t[col], t[3 + col], t[6 + col], t[9 + col]) = (g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2)
                }
                for row in 0..<4 {
                    let (a, b, d) = (t[row * 3], t[row * 3 + 1], t[row * 3 + 2])
                    let values = [a, (a + b + d) / 2, (a - b + d) / 2, d]
                    for col in 0..<4 { u[((row * 4 + col) * m + f) * c + ch] = Float(values[col]) }
                }
            }
        }
        (outChannels, inChannels, self.u) = (m, c, u)
    }

    /// Whether Winograd pays off against im2col + GEMM (with few channels the 16 GEMMs are too thin).
    var worthwhile: Bool { inChannels >= 8 && outChannels >= 8 }
}

/// Tiles per block: the block's transformed input and GEMM results are reused while still in cache.
private let blockTiles = 256

/// Y = conv(X, W) + bias (+ residual), optionally Relu, for X [N, C, H, W] and a 3×3 stride-1 geometry.
func winogradConv(_ x: Tensor, _ filter: WinogradFilter, bias: Tensor?, residual: Tensor?, _ g: WindowGeometry,
                  relu: Bool, scratch: Scratch) throws -> Tensor {
    let (n, c, m) = (x.shape[0], x.shape[1], filter.outChannels)
    let (h, w, oh, ow) = (g.input[0], g.input[1], g.output[0], g.output[1])
    let outShape = [n, m, oh, ow]
    let outCount = try Shapes.count(outShape)
    let (th, tw) = ((oh + 1) / 2, (ow + 1) / 2)
    let tileRows = n * th
    let rowsPerBlock = max(1, min(tileRows, blockTiles / max(tw, 1)))
    let maxTiles = rowsPerBlock * tw
    _ = try Shapes.count([16, max(c, m), maxTiles])
    let v = scratch.buffer(0, count: 16 * c * maxTiles)
    let prod = scratch.buffer(1, count: 16 * m * maxTiles)
    let rows = scratch.buffer(2, count: 16 * (tw + 1))
    var y = [Float](unsafeUninitializedCapacity: outCount) { _, k in k = outCount }
    if outCount == 0 { return Tensor(uncheckedShape: outShape, data: y) }
    let geometry = TileGeometry(h: h, w: w, oh: oh, ow: ow, th: th, tw: tw, top: g.begin[0], left: g.begin[1])
    let residualData = residual?.data ?? []
    x.data.withUnsafeBufferPointer { px in filter.u.withUnsafeBufferPointer { pu in y.withUnsafeMutableBufferPointer { py in
      residualData.withUnsafeBufferPointer { pr in
        guard let bx = px.baseAddress, let bu = pu.baseAddress, let by = py.baseAddress else { return }
        var first = 0
        while first < tileRows {
            let count = min(rowsPerBlock, tileRows - first)
            let tiles = count * tw
            for q in 0..<count {
                let (img, tr) = ((first + q) / th, (first + q) % th)
                for ch in 0..<c {
                    inputTransform(bx + (img * c + ch) * h * w, tileRow: tr, geometry, rows: rows,
                                   out: v + ch * tiles + q * tw, elementStride: c * tiles)
                }
            }
            for e in 0..<16 {
                sgemm(m: m, n: tiles, k: c, a: bu + e * m * c, lda: c, b: v + e * c * tiles, ldb: tiles,
                      c: prod + e * m * tiles, ldc: tiles)
            }
            for q in 0..<count {
                let (img, tr) = ((first + q) / th, (first + q) % th)
                for f in 0..<m {
                    let plane = (img * m + f) * oh * ow
                    let res = residual == nil ? nil : pr.baseAddress.map { $0 + plane }
                    outputTransform(prod + f * tiles + q * tw, elementStride: m * tiles, geometry, tileRow: tr,
                                    bias: bias?.data[f] ?? 0, residual: res, relu: relu, out: by + plane)
                }
            }
            first += count
        }
      }
    } } }
    return Tensor(uncheckedShape: outShape, data: y)
}

private struct TileGeometry {
    let h: Int, w: Int, oh: Int, ow: Int, th: Int, tw: Int, top: Int, left: Int
}

/// Bᵀ·d·B of the `tw` tiles of one tile row of one channel; element e of tile j goes to out[e·elementStride + j].
@inline(__always)
private func inputTransform(_ plane: UnsafePointer<Float>, tileRow tr: Int, _ t: TileGeometry,
                            rows: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, elementStride: Int) {
    let wp = t.tw + 1
    // rows[k] (even input columns) and rows[4 + k] (odd ones) of the 4 input rows, zero outside the image.
    for k in 0..<4 {
        let iy = 2 * tr - t.top + k
        let even = rows + k * wp, odd = rows + (4 + k) * wp
        guard iy >= 0 && iy < t.h else {
            even.update(repeating: 0, count: wp)
            odd.update(repeating: 0, count: wp)
            continue
        }
        let src = plane + iy * t.w
        for j in 0..<wp {
            let x0 = 2 * j - t.left, x1 = x0 + 1
            even[j] = x0 >= 0 && x0 < t.w ? src[x0] : 0
            odd[j] = x1 >= 0 && x1 < t.w ? src[x1] : 0
        }
    }
    // Bᵀ·d over the rows, for the even and the odd columns: (d0 − d2, d1 + d2, d2 − d1, d1 − d3).
    let cols = rows + 8 * wp
    for half in 0..<2 {
        let d0 = rows + (4 * half) * wp, d1 = d0 + wp, d2 = d1 + wp, d3 = d2 + wp
        let r = cols + 4 * half * wp
        for j in 0..<wp {
            let (a, b, c, d) = (d0[j], d1[j], d2[j], d3[j])
            r[j] = a - c
            r[wp + j] = b + c
            r[2 * wp + j] = c - b
            r[3 * wp + j] = b - d
        }
    }
    // ·B over the columns: tile j's columns are even[j], odd[j], even[j + 1], odd[j + 1].
    for k in 0..<4 {
        let even = cols + k * wp, odd = cols + (4 + k) * wp
        let o0 = out + (4 * k) * elementStride, o1 = o0 + elementStride, o2 = o1 + elementStride, o3 = o2 + elementStride
        for j in 0..<t.tw {
            let (x0, x1, x2, x3) = (even[j], odd[j], even[j + 1], odd[j + 1])
            o0[j] = x0 - x2
            o1[j] = x1 + x2
            o2[j] = x2 - x1
            o3[j] = x1 - x3
        }
    }
}

/// Aᵀ·m·A of one filter's `tw` tiles of one tile row (element e of tile j at src[e·elementStride + j]),
/// plus bias and residual, optional Relu, written to the output plane (cropped at the right and bottom edges).
@inline(__always)
private func outputTransform(_ src: UnsafePointer<Float>, elementStride s: Int, _ t: TileGeometry, tileRow tr: Int,
                             bias: Float, residual: UnsafePointer<Float>?, relu: Bool, out: UnsafeMutablePointer<Float>) {
    let y0 = 2 * tr
    let twoRows = y0 + 1 < t.oh
    let row0 = out + y0 * t.ow, row1 = row0 + t.ow
    let res0 = residual.map { $0 + y0 * t.ow }, res1 = residual.map { $0 + (y0 + 1) * t.ow }
    let fullPairs = t.ow / 2
    for j in 0..<t.tw {
        var p0 = (Float(0), Float(0), Float(0), Float(0)), p1 = p0
        let e = { (r: Int, c: Int) in src[(r * 4 + c) * s + j] }
        p0.0 = e(0, 0) + e(1, 0) + e(2, 0); p1.0 = e(1, 0) - e(2, 0) - e(3, 0)
        p0.1 = e(0, 1) + e(1, 1) + e(2, 1); p1.1 = e(1, 1) - e(2, 1) - e(3, 1)
        p0.2 = e(0, 2) + e(1, 2) + e(2, 2); p1.2 = e(1, 2) - e(2, 2) - e(3, 2)
        p0.3 = e(0, 3) + e(1, 3) + e(2, 3); p1.3 = e(1, 3) - e(2, 3) - e(3, 3)
        var y00 = p0.0 + p0.1 + p0.2 + bias, y01 = p0.1 - p0.2 - p0.3 + bias
        var y10 = p1.0 + p1.1 + p1.2 + bias, y11 = p1.1 - p1.2 - p1.3 + bias
        let x0 = 2 * j
        let pair = j < fullPairs
        if let res0, let res1 {
            y00 += res0[x0]
            if pair { y01 += res0[x0 + 1] }
            if twoRows { y10 += res1[x0]; if pair { y11 += res1[x0 + 1] } }
        }
        if relu { (y00, y01, y10, y11) = (max(y00, 0), max(y01, 0), max(y10, 0), max(y11, 0)) }
        row0[x0] = y00
        if pair { row0[x0 + 1] = y01 }
        if twoRows {
            row1[x0] = y10
            if pair { row1[x0 + 1] = y11 }
        }
    }
}
