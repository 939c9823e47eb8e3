/// Convolution and pooling over any number of spatial axes: one geometry, one im2col / col2im and
/// one pooling loop, each with the last axis as the contiguous inner loop.

/// Resolved sizes of a sliding window over `d` spatial axes.
struct WindowGeometry {
    let input: [Int]
    let kernel: [Int]
    let strides: [Int]
    let dilations: [Int]
    let begin: [Int]
    /// End padding (explicit pads, or what auto_pad adds); used by count_include_pad.
    let end: [Int]
    let output: [Int]

    var rank: Int { input.count }

    init(_ cfg: WindowConfig, input: [Int], kernel: [Int]) throws {
        let d = input.count
        let strides = cfg.strides ?? [Int](repeating: 1, count: d)
        let dilations = cfg.dilations ?? [Int](repeating: 1, count: d)
        let pads = cfg.pads ?? [Int](repeating: 0, count: 2 * d)
        guard kernel.count == d, strides.count == d, dilations.count == d, pads.count == 2 * d else {
            throw KernelError("window attributes (kernel \(kernel), strides \(strides), dilations \(dilations), pads \(pads)) do not fit \(d) spatial axes")
        }
        var output: [Int] = [], begin: [Int] = [], end: [Int] = []
        for a in 0..<d {
            let (i, k, s, dil) = (input[a], kernel[a], strides[a], dilations[a])
            let keff = (k - 1) * dil + 1
            var out: Int, b: Int
            switch cfg.autoPad {
            case .valid:
                guard i >= keff else { throw KernelError("input size \(i) is smaller than the window \(keff)") }
                (out, b) = ((i - keff) / s + 1, 0)
            case .sameUpper, .sameLower:
                out = (i + s - 1) / s
                let total = max(0, (out - 1) * s + keff - i)
                b = cfg.autoPad == .sameUpper ? total / 2 : total - total / 2
            case .explicit:
                b = pads[a]
                let span = i + b + pads[a + d] - keff
                guard span >= 0 else { throw KernelError("padded input size \(i + b + pads[a + d]) is smaller than the window \(keff)") }
                out = (cfg.ceilMode ? (span + s - 1) / s : span / s) + 1
                if cfg.ceilMode && (out - 1) * s >= i + b { out -= 1 }
            }
            output.append(out)
            begin.append(b)
            end.append(cfg.autoPad == .explicit ? pads[a + d] : max(0, (out - 1) * s + keff - i - b))
        }
        (self.input, self.kernel, self.strides, self.dilations, self.begin, self.end, self.output) =
            (input, kernel, strides, dilations, begin, end, output)
    }
}

/// Row-major strides of `shape`.
func rowMajorStrides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    if shape.count > 1 { for i in stride(from: shape.count - 2, through: 0, by: -1) { s[i] = s[i + 1] * shape[i + 1] } }
    return s
}

/// im2col over `channels` planes: row (channel, kernel offset) holds, per output position, the input value under it
/// (0 in padding); rows are `ld` floats apart (several images can share the rows side by side).
private func im2col(_ src: UnsafePointer<Float>, channels: Int, _ g: WindowGeometry, _ dst: UnsafeMutablePointer<Float>, ld: Int) {
    let d = g.rank, last = d - 1
    let inSize = Shapes.product(g.input, 0..<d), outSize = Shapes.product(g.output, 0..<d)
    let kprod = Shapes.product(g.kernel, 0..<d)
    let ow = g.output[last], iw = g.input[last], sw = g.strides[last]
    let rows = ow == 0 ? 0 : outSize / ow
    let inStrides = rowMajorStrides(g.input)
    var k = [Int](repeating: 0, count: d)
    var row = 0
    for ch in 0..<channels {
        let plane = src + ch * inSize
        for kIndex in 0..<kprod {
            var rem = kIndex
            for a in stride(from: last, through: 0, by: -1) { k[a] = rem % g.kernel[a]; rem /= g.kernel[a] }
            // Output columns j whose input column j*sw + off lies inside the input.
            let off = k[last] * g.dilations[last] - g.begin[last]
            let jlo = min(ow, off >= 0 ? 0 : (-off + sw - 1) / sw)
            let jhi = max(jlo, min(ow, iw - off <= 0 ? 0 : (iw - off + sw - 1) / sw))
            let out = dst + row * ld
            // Input offset of the leading axes for output row r (rows = product of the leading output axes).
            let leadOffset = last > 0 ? k[last - 1] * g.dilations[last - 1] - g.begin[last - 1] : 0
            for r in 0..<rows {
                var base = 0, inside = true
                if last == 1 {
                    let ii = r * g.strides[0] + leadOffset
                    inside = ii >= 0 && ii < g.input[0]
                    base = ii * inStrides[0]
                } else {
                    var rem = r
                    for a in stride(from: last - 1, through: 0, by: -1) {
                        let oi = rem % g.output[a]; rem /= g.output[a]
                        let ii = oi * g.strides[a] - g.begin[a] + k[a] * g.dilations[a]
                        if ii < 0 || ii >= g.input[a] { inside = false; break }
                        base += ii * inStrides[a]
                    }
                }
                let line = out + r * ow
                guard inside else { line.update(repeating: 0, count: ow); continue }
                let srcRow = plane + base + off
                if jlo > 0 { line.update(repeating: 0, count: jlo) }
                if sw == 1 {
                    (line + jlo).update(from: srcRow + jlo, count: jhi - jlo)
                } else {
                    for j in jlo..<jhi { line[j] = srcRow[j * sw] }
                }
                if jhi < ow { (line + jhi).update(repeating: 0, count: ow - jhi) }
            }
            row += 1
        }
    }
}

/// Convolution of X [N, C, D1 … Dd] with W [M, C/group, K1 … Kd]: im2col + one GEMM per image and group.
func conv(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, cfg: WindowConfig, group: Int, relu: Bool) throws -> Tensor {
    guard x.rank >= 3, w.rank == x.rank else { throw KernelError("X \(x.shape) and W \(w.shape) must have equal rank >= 3") }
    let (n, c, m, cg) = (x.shape[0], x.shape[1], w.shape[0], w.shape[1])
    let spatial = Array(x.shape[2...]), kernel = Array(w.shape[2...])
    guard kernel.allSatisfy({ $0 >= 1 }) else { throw KernelError("W \(w.shape) has an empty kernel") }
    if let ks = cfg.kernelShape, ks != kernel { throw KernelError("kernel_shape \(ks) does not match W \(w.shape)") }
    guard c % group == 0, m % group == 0, cg == c / group else {
        throw KernelError("channels \(c), filters \(m) and W \(w.shape) are inconsistent with group \(group)")
    }
    if let bias, bias.count != m { throw KernelError("B has \(bias.count) elements, expected \(m)") }
    let g = try WindowGeometry(cfg, input: spatial, kernel: kernel)
    let outShape = [n, m] + g.output
    let outCount = try Shapes.count(outShape)
    let inSize = Shapes.product(spatial, 0..<spatial.count), outSize = Shapes.product(g.output, 0..<g.rank)
    let kdim = cg * Shapes.product(kernel, 0..<kernel.count)
    let pointwise = kernel.allSatisfy { $0 == 1 } && g.strides.allSatisfy { $0 == 1 } && g.begin.allSatisfy { $0 == 0 } && g.output == spatial
    _ = try Shapes.count([kdim, outSize])
    // y is fully written by the GEMMs (beta 0) before it is read.
    var y = [Float](unsafeUninitializedCapacity: outCount) { _, n in n = outCount }
    x.data.withUnsafeBufferPointer { px in w.data.withUnsafeBufferPointer { pw in y.withUnsafeMutableBufferPointer { py in
        guard let bx = px.baseAddress, let bw = pw.baseAddress, let by = py.baseAddress else { return }
        let shape = ConvShape(n: n, c: c, m: m, group: group, inSize: inSize, outSize: outSize, kdim: kdim)
        if group == 1 && !pointwise && n > 1 {
            convImagesTogether(bx, bw, by, shape, g)
        } else {
            convPerImage(bx, bw, by, shape, g, pointwise: pointwise)
        }
        if bias != nil || relu { addBias(by, bias?.data, relu: relu, images: n, filters: m, size: outSize) }
    } } }
    return Tensor(uncheckedShape: outShape, data: y)
}

private struct ConvShape {
    let n, c, m, group, inSize, outSize, kdim: Int
}

/// One im2col + GEMM per image and group (pointwise convolutions multiply the input directly).
private func convPerImage(_ bx: UnsafePointer<Float>, _ bw: UnsafePointer<Float>, _ by: UnsafeMutablePointer<Float>,
                          _ s: ConvShape, _ g: WindowGeometry, pointwise: Bool) {
    let cg = s.c / s.group, mg = s.m / s.group
    var col = [Float](unsafeUninitializedCapacity: pointwise ? 0 : s.kdim * s.outSize) { _, n in n = pointwise ? 0 : s.kdim * s.outSize }
    col.withUnsafeMutableBufferPointer { pc in
        for img in 0..<s.n {
            for gi in 0..<s.group {
                let xg = bx + (img * s.c + gi * cg) * s.inSize
                var src = xg
                if !pointwise, let bc = pc.baseAddress {
                    im2col(xg, channels: cg, g, bc, ld: s.outSize)
                    src = UnsafePointer(bc)
                }
                sgemm(transA: false, transB: false, m: mg, n: s.outSize, k: s.kdim, alpha: 1,
                      a: bw + gi * mg * s.kdim, lda: s.kdim, b: src, ldb: s.outSize, beta: 0,
                      c: by + (img * s.m + gi * mg) * s.outSize, ldc: s.outSize)
            }
        }
    }
}

/// Several images' im2col columns side by side and one GEMM for them (wider GEMMs run faster for the
/// small images of letter classifiers), then the [filters, images × positions] result is scattered to NCHW.
private func convImagesTogether(_ bx: UnsafePointer<Float>, _ bw: UnsafePointer<Float>, _ by: UnsafeMutablePointer<Float>,
                                _ s: ConvShape, _ g: WindowGeometry) {
    let chunk = max(1, min(s.n, (1 << 22) / max(s.kdim * s.outSize, 1)))
    var col = [Float](unsafeUninitializedCapacity: s.kdim * s.outSize * chunk) { _, n in n = s.kdim * s.outSize * chunk }
    var tmp = [Float](unsafeUninitializedCapacity: s.m * s.outSize * chunk) { _, n in n = s.m * s.outSize * chunk }
    col.withUnsafeMutableBufferPointer { pc in tmp.withUnsafeMutableBufferPointer { pt in
        guard let bc = pc.baseAddress, let bt = pt.baseAddress else { return }
        for start in stride(from: 0, to: s.n, by: chunk) {
            let count = min(chunk, s.n - start), width = count * s.outSize
            for i in 0..<count { im2col(bx + (start + i) * s.c * s.inSize, channels: s.c, g, bc + i * s.outSize, ld: width) }
            sgemm(transA: false, transB: false, m: s.m, n: width, k: s.kdim, alpha: 1, a: bw, lda: s.kdim, b: bc, ldb: width,
                  beta: 0, c: bt, ldc: width)
            for f in 0..<s.m {
                for i in 0..<count {
                    (by + ((start + i) * s.m + f) * s.outSize).update(from: bt + f * width + i * s.outSize, count: s.outSize)
                }
            }
        }
    } }
}

private func addBias(_ by: UnsafeMutablePointer<Float>, _ bias: [Float]?, relu: Bool, images: Int, filters: Int, size: Int) {
    for img in 0..<images {
        for f in 0..<filters {
            let b = bias?[f] ?? 0
            let out = by + (img * filters + f) * size
            if relu {
                for i in 0..<size { out[i] = max(out[i] + b, 0) }
            } else {
                for i in 0..<size { out[i] += b }
            }
        }
    }
}
