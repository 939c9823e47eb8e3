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

    /// Whether Winograd pays off against im2col + GEMM: with few channels the 16 GEMMs are too thin
    /// (measured: 24→48 channels is slower), with few tiles the 16 filter matrices are packed for little work.
    var worthwhile: Bool { inChannels >= 32 && outChannels >= 32 }

    /// Tiles (over the whole batch) below which im2col + GEMM is used instead (ResNet-50's 7×7 maps at batch 1 have 16).
    static let minimumTiles = 32
}

/// Tiles per block: the block's transformed input and GEMM results are reused while still in cache.
private let blockTiles = 1024

/// Y = conv(X, W) + bias (+ residual), optionally Relu, for X [N, C, H, W] and a 3×3 stride-1 geometry.
/// Tiles are taken a block of whole tile rows (over the batch) at a time; rows of the tile matrices are
/// padded by 8 so that the 8-wide transforms may run past a tile row's end.
func winogradConv(_ x: Tensor, _ filter: WinogradFilter, bias: Tensor?, residual: Tensor?, _ g: WindowGeometry,
                  relu: Bool, scratch: Scratch) throws -> Tensor {
    let (n, c, m) = (x.shape[0], x.shape[1], filter.outChannels)
    let (h, w, oh, ow) = (g.input[0], g.input[1], g.output[0], g.output[1])
    let outShape = [n, m, oh, ow]
    let outCount = try Shapes.count(outShape)
    let (th, tw) = ((oh + 1) / 2, (ow + 1) / 2)
    let tileRows = n * th
    let blocks = (tileRows + max(1, blockTiles / max(tw, 1)) - 1) / max(1, blockTiles / max(tw, 1))
    let rowsPerBlock = max(1, (tileRows + blocks - 1) / max(blocks, 1))
    let ld = rowsPerBlock * tw + 8
    let rowLength = 2 * ((tw + 7) / 8 * 8) + 32
    _ = try Shapes.count([16, max(c, m), ld])
    let v = scratch.buffer(0, count: 16 * c * ld)
    let prod = scratch.buffer(1, count: 16 * m * ld)
    let rows = scratch.buffer(2, count: 13 * rowLength)
    var y = [Float](unsafeUninitializedCapacity: outCount) { _, k in k = outCount }
    if outCount == 0 { return Tensor(uncheckedShape: outShape, data: y) }
    rows.update(repeating: 0, count: rowLength)
    let geometry = TileGeometry(h: h, w: w, oh: oh, ow: ow, th: th, tw: tw, top: g.begin[0], left: g.begin[1], rowLength: rowLength)
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
                                   out: v + ch * ld + q * tw, elementStride: c * ld)
                }
            }
            for e in 0..<16 {
                sgemm(m: m, n: tiles, k: c, a: bu + e * m * c, lda: c, b: v + e * c * ld, ldb: ld,
                      c: prod + e * m * ld, ldc: ld)
            }
            for q in 0..<count {
                let (img, tr) = ((first + q) / th, (first + q) % th)
                for f in 0..<m {
                    let plane = (img * m + f) * oh * ow
                    let res = residual == nil ? nil : pr.baseAddress.map { UnsafePointer($0 + plane) }
                    outputTransform(prod + f * ld + q * tw, elementStride: m * ld, geometry, tileRow: tr,
                                    bias: bias?.data[f] ?? 0, residual: res, relu: relu, rows: rows, out: by + plane)
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
    /// Floats per padded input row: the row's tiles rounded up to 8, twice, plus slack for the shifted loads.
    let rowLength: Int
}

@inline(__always) private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}
@inline(__always) private func store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<Float>) where V.Scalar == Float {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}

/// Bᵀ·d·B of the `tw` tiles of one tile row of one channel, 8 tiles at a time; element e of tile j goes
/// to out[e·elementStride + j] (up to 7 values past the row's last tile are written too).
/// `rows` holds a padded input row (slot 0) and the even (slots 1–4) and odd (slots 5–8) columns of the 4 input rows.
@inline(__always)
private func inputTransform(_ plane: UnsafePointer<Float>, tileRow tr: Int, _ t: TileGeometry,
                            rows: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, elementStride s: Int) {
    let l = t.rowLength, half = (t.tw + 7) / 8 * 8 + 1
    for k in 0..<4 {
        let iy = 2 &* tr &- t.top &+ k
        let even = rows + (1 &+ k) &* l, odd = rows + (5 &+ k) &* l
        guard iy >= 0 && iy < t.h else {
            even.update(repeating: 0, count: half)
            odd.update(repeating: 0, count: half)
            continue
        }
        // The row zero-padded (padded[x] is input column x − left; the padding was zeroed once per convolution),
        // then split into even and odd columns.
        let padded = rows
        let lead = min(t.left, l)
        (padded + lead).update(from: plane + iy &* t.w, count: max(0, min(t.w, l &- lead)))
        for j in 0..<half {
            even[j] = padded[2 &* j]
            odd[j] = padded[2 &* j &+ 1]
        }
    }
    let e0 = UnsafePointer(rows + l), o0 = UnsafePointer(rows + 5 &* l)
    var j = 0
    while j < t.tw {
        // Column c of the tiles' 4 rows: c0 = even[j], c1 = odd[j], c2 = even[j + 1], c3 = odd[j + 1].
        @inline(__always) func col(_ base: UnsafePointer<Float>, _ shift: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
            let p = base + (j &+ shift)
            // Bᵀ·d down the rows: (d0 − d2, d1 + d2, d2 − d1, d1 − d3).
            let (d0, d1, d2, d3) = (load8(p), load8(p + l), load8(p + 2 &* l), load8(p + 3 &* l))
            return (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
        }
        let c0 = col(e0, 0), c1 = col(o0, 0), c2 = col(e0, 1), c3 = col(o0, 1)
        // ·B across the columns, for each transformed row r.
        @inline(__always) func emit(_ r: Int, _ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ x2: SIMD8<Float>, _ x3: SIMD8<Float>) {
            let o = out + (4 &* r &* s &+ j)
            store(x0 - x2, o)
            store(x1 + x2, o + s)
            store(x2 - x1, o + 2 &* s)
            store(x1 - x3, o + 3 &* s)
        }
        emit(0, c0.0, c1.0, c2.0, c3.0)
        emit(1, c0.1, c1.1, c2.1, c3.1)
        emit(2, c0.2, c1.2, c2.2, c3.2)
        emit(3, c0.3, c1.3, c2.3, c3.3)
        j &+= 8
    }
}

/// Aᵀ·m·A of one filter's `tw` tiles of one tile row (element e of tile j at src[e·elementStride + j]), 8 tiles
/// at a time into staging rows (even and odd output columns of both output rows, slots 9–12 of `rows`), then
/// bias, residual and Relu on the way to the output plane (cropped at the right and bottom edges).
@inline(__always)
private func outputTransform(_ src: UnsafePointer<Float>, elementStride s: Int, _ t: TileGeometry, tileRow tr: Int,
                             bias: Float, residual: UnsafePointer<Float>?, relu: Bool, rows: UnsafeMutablePointer<Float>,
                             out: UnsafeMutablePointer<Float>) {
    let l = t.rowLength
    let even0 = rows + 9 &* l, odd0 = even0 + l, even1 = odd0 + l, odd1 = even1 + l
    let b = SIMD8<Float>(repeating: bias)
    var j = 0
    while j < t.tw {
        @inline(__always) func e(_ r: Int, _ c: Int) -> SIMD8<Float> { load8(src + ((r &* 4 &+ c) &* s &+ j)) }
        let p00 = e(0, 0) + e(1, 0) + e(2, 0), p10 = e(1, 0) - e(2, 0) - e(3, 0)
        let p01 = e(0, 1) + e(1, 1) + e(2, 1), p11 = e(1, 1) - e(2, 1) - e(3, 1)
        let p02 = e(0, 2) + e(1, 2) + e(2, 2), p12 = e(1, 2) - e(2, 2) - e(3, 2)
        let p03 = e(0, 3) + e(1, 3) + e(2, 3), p13 = e(1, 3) - e(2, 3) - e(3, 3)
        store(p00 + p01 + p02 + b, even0 + j)
        store(p01 - p02 - p03 + b, odd0 + j)
        store(p10 + p11 + p12 + b, even1 + j)
        store(p11 - p12 - p13 + b, odd1 + j)
        j &+= 8
    }
    let y = 2 &* tr
    finishRow(even0, odd0, residual.map { $0 + y &* t.ow }, relu: relu, count: t.ow, out: out + y &* t.ow)
    if y &+ 1 < t.oh {
        finishRow(even1, odd1, residual.map { $0 + (y &+ 1) &* t.ow }, relu: relu, count: t.ow, out: out + (y &+ 1) &* t.ow)
    }
}

/// Interleaves even and odd columns into out[0..<count], adding `residual`, then Relu.
@inline(__always)
private func finishRow(_ even: UnsafePointer<Float>, _ odd: UnsafePointer<Float>, _ residual: UnsafePointer<Float>?, relu: Bool,
                       count: Int, out: UnsafeMutablePointer<Float>) {
    let pairs = count / 2
    if let residual {
        for j in 0..<pairs {
            out[2 &* j] = even[j] + residual[2 &* j]
            out[2 &* j &+ 1] = odd[j] + residual[2 &* j &+ 1]
        }
        if count & 1 == 1 { out[count &- 1] = even[pairs] + residual[count &- 1] }
    } else {
        for j in 0..<pairs {
            out[2 &* j] = even[j]
            out[2 &* j &+ 1] = odd[j]
        }
        if count & 1 == 1 { out[count &- 1] = even[pairs] }
    }
    if relu {
        for i in 0..<count where out[i] < 0 { out[i] = 0 }
    }
}
