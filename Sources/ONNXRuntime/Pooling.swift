/// Max and average pooling over any number of spatial axes, and transposed convolution.

/// The valid kernel-index range along one axis for a window starting at `start`.
@inline(__always)
private func validRange(start: Int, kernel: Int, dilation: Int, size: Int) -> (lo: Int, hi: Int) {
    let lo = start >= 0 ? 0 : (-start + dilation - 1) / dilation
    let hi = size - 1 - start < 0 ? 0 : min(kernel, (size - 1 - start) / dilation + 1)
    return (min(lo, hi), hi)
}

func pool(_ x: Tensor, cfg: WindowConfig, isMax: Bool, countIncludePad: Bool) throws -> Tensor {
    guard let ks = cfg.kernelShape else { throw KernelError("kernel_shape is required") }
    guard x.rank == ks.count + 2 else { throw KernelError("a \(ks.count)-D window needs a rank-\(ks.count + 2) input, got \(x.shape)") }
    let spatial = Array(x.shape[2...])
    let g = try WindowGeometry(cfg, input: spatial, kernel: ks)
    let d = g.rank
    let outShape = Array(x.shape[0..<2]) + g.output
    let outCount = try Shapes.count(outShape)
    let planes = x.shape[0] * x.shape[1]
    let inSize = Shapes.product(spatial, 0..<d), outSize = Shapes.product(g.output, 0..<d)
    var y = [Float](repeating: 0, count: outCount)
    let inStrides = rowMajorStrides(spatial)
    if outCount == 0 { return Tensor(uncheckedShape: outShape, data: y) }
    x.data.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { py in
        guard let bx = px.baseAddress, let by = py.baseAddress else { return }
        if isMax && d == 2 && ks == [2, 2] && g.strides == [2, 2] && g.dilations == [1, 1] && g.begin == [0, 0]
            && 2 * g.output[0] <= spatial[0] && 2 * g.output[1] <= spatial[1] {
            maxPool2x2(bx, by, planes: planes, input: spatial, output: g.output)
            return
        }
        // Per axis and output index: window start, valid kernel-index range, and the averaging count.
        let tables: [[(start: Int, lo: Int, hi: Int, count: Int)]] = (0..<d).map { a in
            (0..<g.output[a]).map { o in
                let start = o * g.strides[a] - g.begin[a]
                let (lo, hi) = validRange(start: start, kernel: g.kernel[a], dilation: g.dilations[a], size: spatial[a])
                let limit = spatial[a] + g.end[a] - start
                let included = max(0, min(g.kernel[a], (limit + g.dilations[a] - 1) / g.dilations[a]))
                return (start, lo, hi, countIncludePad ? included : hi - lo)
            }
        }
        if d == 2 && g.dilations == [1, 1] {
            pool2D(bx, by, planes: planes, input: spatial, rows: tables[0], columns: tables[1], isMax: isMax)
            return
        }
        var o = [Int](repeating: 0, count: d), k = o
        let last = d - 1, lastTable = tables[last], lastDil = g.dilations[last]
        for plane in 0..<planes {
            let src = bx + plane * inSize
            var dst = by + plane * outSize
            for _ in 0..<(outSize / max(g.output[last], 1)) {
                // Leading axes of this output row: base offset, ranges and partial count.
                var base = 0, size = 1, empty = false
                for a in 0..<last {
                    let t = tables[a][o[a]]
                    base += t.start * inStrides[a]; size *= t.count
                    if t.lo >= t.hi { empty = true }
                    k[a] = t.lo
                }
                for t in lastTable {
                    var acc: Float = isMax ? -.greatestFiniteMagnitude : 0
                    if !empty && t.lo < t.hi {
                        let rowBase = base + t.start
                        // Odometer over the leading window axes; the last axis is the inner loop.
                        while true {
                            var off = rowBase
                            for a in 0..<last { off += k[a] * g.dilations[a] * inStrides[a] }
                            for kk in t.lo..<t.hi {
                                let v = src[off + kk * lastDil]
                                if isMax { acc = max(acc, v) } else { acc += v }
                            }
                            var a = last - 1
                            while a >= 0 {
                                k[a] += 1
                                if k[a] < tables[a][o[a]].hi { break }
                                k[a] = tables[a][o[a]].lo; a -= 1
                            }
                            if a < 0 { break }
                        }
                    }
                    let n = size * t.count
                    dst.pointee = isMax ? acc : (n > 0 ? acc / Float(n) : 0)
                    dst += 1
                }
                var a = last - 1
                while a >= 0 {
                    o[a] += 1
                    if o[a] < g.output[a] { break }
                    o[a] = 0; a -= 1
                }
            }
        }
    } }
    return Tensor(uncheckedShape: outShape, data: y)
}

/// 2-D max / average pooling without dilation, from the per-axis window tables of ``pool(_:cfg:isMax:countIncludePad:)``.
private func pool2D(_ bx: UnsafePointer<Float>, _ by: UnsafeMutablePointer<Float>, planes: Int, input: [Int],
                    rows: [(start: Int, lo: Int, hi: Int, count: Int)], columns: [(start: Int, lo: Int, hi: Int, count: Int)],
                    isMax: Bool) {
    let (oh, ow, width) = (rows.count, columns.count, input[1])
    for plane in 0..<planes {
        let src = bx + plane &* input[0] &* width, dst = by + plane &* oh &* ow
        for (oy, r) in rows.enumerated() {
            let out = dst + oy &* ow
            for (ox, c) in columns.enumerated() {
                var acc: Float = isMax ? -.greatestFiniteMagnitude : 0
                if r.lo < r.hi && c.lo < c.hi {
                    for ky in r.lo..<r.hi {
                        let line = src + ((r.start &+ ky) &* width &+ c.start)
                        for kx in c.lo..<c.hi { acc = isMax ? max(acc, line[kx]) : acc + line[kx] }
                    }
                }
                let n = r.count &* c.count
                out[ox] = isMax ? acc : (n > 0 ? acc / Float(n) : 0)
            }
        }
    }
}

/// The common 2×2, stride-2 max pooling with every window inside the image.
private func maxPool2x2(_ bx: UnsafePointer<Float>, _ by: UnsafeMutablePointer<Float>, planes: Int, input: [Int], output: [Int]) {
    let (h, w, oh, ow) = (input[0], input[1], output[0], output[1])
    for plane in 0..<planes {
        let src = bx + plane * h * w
        let dst = by + plane * oh * ow
        for i in 0..<oh {
            let r0 = src + 2 * i * w, r1 = r0 + w, out = dst + i * ow
            for j in 0..<ow {
                out[j] = max(max(r0[2 * j], r0[2 * j + 1]), max(r1[2 * j], r1[2 * j + 1]))
            }
        }
    }
}

/// GlobalAveragePool / GlobalMaxPool over every axis after the first two.
func globalPool(_ x: Tensor, isMax: Bool) throws -> Tensor {
    guard x.rank >= 3 else { throw KernelError("expects rank >= 3, got \(x.shape)") }
    let nc = x.shape[0] * x.shape[1]
    let spatial = Shapes.product(x.shape, 2..<x.rank)
    var out = [Float](repeating: 0, count: nc)
    x.data.withUnsafeBufferPointer { p in
        for i in 0..<nc {
            var s: Float = isMax ? -.infinity : 0
            for j in 0..<spatial { s = isMax ? max(s, p[i * spatial + j]) : s + p[i * spatial + j] }
            out[i] = isMax ? s : (spatial > 0 ? s / Float(spatial) : 0)
        }
    }
    return Tensor(uncheckedShape: Array(x.shape[0..<2]) + [Int](repeating: 1, count: x.rank - 2), data: out)
}

/// ConvTranspose of X [N, C, D…] with W [C, M/group, K…]: one GEMM (Wᵀ·X) per image and group, then col2im.
func convTranspose(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, cfg: WindowConfig, group: Int,
                   outputPadding: [Int]?, outputShape: [Int]?) throws -> Tensor {
    guard x.rank >= 3, w.rank == x.rank else { throw KernelError("X \(x.shape) and W \(w.shape) must have equal rank >= 3") }
    let d = x.rank - 2
    let (n, c) = (x.shape[0], x.shape[1])
    let spatial = Array(x.shape[2...]), kernel = Array(w.shape[2...])
    guard w.shape[0] == c, c % group == 0 else { throw KernelError("W \(w.shape) does not match \(c) input channels and group \(group)") }
    let mg = w.shape[1], m = mg * group, cg = c / group
    if let bias, bias.count != m { throw KernelError("B has \(bias.count) elements, expected \(m)") }
    let strides = cfg.strides ?? [Int](repeating: 1, count: d), dil = cfg.dilations ?? [Int](repeating: 1, count: d)
    let adj = outputPadding ?? [Int](repeating: 0, count: d)
    let shapeAttr = outputShape.map { Array($0.suffix(d)) }
    guard strides.count == d, dil.count == d, adj.count == d, shapeAttr?.count ?? d == d else { throw KernelError("attributes do not fit \(d) spatial axes") }
    var begin = [Int](repeating: 0, count: d), out = [Int](repeating: 0, count: d)
    for a in 0..<d {
        let full = strides[a] * (spatial[a] - 1) + adj[a] + (kernel[a] - 1) * dil[a] + 1
        if let target = shapeAttr?[a] ?? (cfg.autoPad == .sameUpper || cfg.autoPad == .sameLower ? spatial[a] * strides[a] : nil) {
            let total = max(0, full - target)
            begin[a] = cfg.autoPad == .sameUpper ? total / 2 : total - total / 2
            out[a] = target
        } else {
            let pads = cfg.autoPad == .explicit ? (cfg.pads ?? [Int](repeating: 0, count: 2 * d)) : [Int](repeating: 0, count: 2 * d)
            guard pads.count == 2 * d else { throw KernelError("pads do not fit \(d) spatial axes") }
            begin[a] = pads[a]
            out[a] = full - pads[a] - pads[a + d]
        }
        guard out[a] >= 0 else { throw KernelError("negative output size along axis \(a)") }
    }
    let outShape = [n, m] + out
    let total = try Shapes.count(outShape)
    let inSize = Shapes.product(spatial, 0..<d), outSize = Shapes.product(out, 0..<d), kprod = Shapes.product(kernel, 0..<d)
    var col = [Float](repeating: 0, count: try Shapes.count([mg * kprod, inSize]))
    var y = [Float](repeating: 0, count: total)
    let outStrides = rowMajorStrides(out)
    x.data.withUnsafeBufferPointer { px in w.data.withUnsafeBufferPointer { pw in y.withUnsafeMutableBufferPointer { py in
        col.withUnsafeMutableBufferPointer { pc in
            guard let bx = px.baseAddress, let bw = pw.baseAddress, let by = py.baseAddress, let bc = pc.baseAddress else { return }
            var k = [Int](repeating: 0, count: d), i = k
            for img in 0..<n {
                for gi in 0..<group {
                    sgemm(transA: true, transB: false, m: mg * kprod, n: inSize, k: cg, alpha: 1, a: bw + gi * cg * mg * kprod,
                          lda: mg * kprod, b: bx + (img * c + gi * cg) * inSize, ldb: inSize, beta: 0, c: bc, ldc: inSize)
                    for row in 0..<(mg * kprod) {
                        let dst = by + (img * m + gi * mg + row / kprod) * outSize
                        var rem = row % kprod
                        for a in stride(from: d - 1, through: 0, by: -1) { k[a] = rem % kernel[a]; rem /= kernel[a] }
                        for p in 0..<inSize {
                            var r = p, off = 0, inside = true
                            for a in stride(from: d - 1, through: 0, by: -1) {
                                i[a] = r % spatial[a]; r /= spatial[a]
                                let o = i[a] * strides[a] - begin[a] + k[a] * dil[a]
                                if o < 0 || o >= out[a] { inside = false; break }
                                off += o * outStrides[a]
                            }
                            if inside { dst[off] += bc[row * inSize + p] }
                        }
                    }
                }
                if let bias {
                    for f in 0..<m { let dst = by + (img * m + f) * outSize; for j in 0..<outSize { dst[j] += bias.data[f] } }
                }
            }
        }
    } } }
    return Tensor(uncheckedShape: outShape, data: y)
}
