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

/// im2col over `channels` planes: row (channel, kernel offset) holds, per output position, the input value under it (0 in padding).
private func im2col(_ src: UnsafePointer<Float>, channels: Int, _ g: WindowGeometry, _ dst: UnsafeMutablePointer<Float>) {
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
            let out = dst + row * outSize
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

/// A Conv node: Winograd when its filters were prepared and the input fits, else im2col + GEMM; then the
/// fused residual Add (input 3) and Relu. A residual of another shape than the output is broadcast in a second pass.
func convKernel(_ args: [Value?], cfg: WindowConfig, group: Int, fusion: ConvFusion, scratch: Scratch) throws -> Tensor {
    let x = try floatArg(args, 0), w = try floatArg(args, 1)
    let bias = args.count > 2 ? args[2]?.asFloatTensor : nil
    let residual = fusion.residual ? try floatArg(args, 3) : nil
    var outShape: [Int]?
    if x.rank == w.rank, x.rank >= 3, w.shape[2...].allSatisfy({ $0 >= 1 }) {
        let g = try WindowGeometry(cfg, input: Array(x.shape[2...]), kernel: Array(w.shape[2...]))
        outShape = [x.shape[0], w.shape[0]] + g.output
        if let filter = fusion.winograd, x.rank == 4, x.shape[1] == filter.inChannels, w.shape == [filter.outChannels, filter.inChannels, 3, 3],
           bias == nil || bias?.count == filter.outChannels, g.strides == [1, 1], g.dilations == [1, 1],
           x.shape[0] * ((g.output[0] + 1) / 2) * ((g.output[1] + 1) / 2) >= WinogradFilter.minimumTiles,
           residual == nil || residual?.shape == outShape {
            return try winogradConv(x, filter, bias: bias, residual: residual, g, relu: fusion.relu, scratch: scratch)
        }
    }
    guard let residual, residual.shape != outShape else {
        return try conv(x, w, bias, residual: residual, cfg: cfg, group: group, relu: fusion.relu, scratch: scratch)
    }
    let y = try conv(x, w, bias, residual: nil, cfg: cfg, group: group, relu: false, scratch: scratch)
    let (s, d) = try broadcastBinary(y.data, y.shape, residual.data, residual.shape) { fusion.relu ? max($0 + $1, 0) : $0 + $1 }
    return Tensor(uncheckedShape: s, data: d)
}

/// Convolution of X [N, C, D1 … Dd] with W [M, C/group, K1 … Kd]: im2col + one GEMM per image and group,
/// then bias, `residual` (same shape as the output) and Relu in one pass.
func conv(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, residual: Tensor?, cfg: WindowConfig, group: Int, relu: Bool,
          scratch: Scratch) throws -> Tensor {
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
    let mg = m / group
    let pointwise = kernel.allSatisfy { $0 == 1 } && g.strides.allSatisfy { $0 == 1 } && g.begin.allSatisfy { $0 == 0 } && g.output == spatial
    _ = try Shapes.count([kdim, outSize])
    // Both buffers are fully written (im2col rows, GEMM with beta 0) before they are read.
    let col = scratch.buffer(0, count: pointwise ? 0 : kdim * outSize)
    var y = [Float](unsafeUninitializedCapacity: outCount) { _, n in n = outCount }
    let residualData = residual?.data ?? []
    x.data.withUnsafeBufferPointer { px in w.data.withUnsafeBufferPointer { pw in y.withUnsafeMutableBufferPointer { py in
        residualData.withUnsafeBufferPointer { pr in
            guard let bx = px.baseAddress, let bw = pw.baseAddress, let by = py.baseAddress else { return }
            for img in 0..<n {
                for gi in 0..<group {
                    let xg = bx + (img * c + gi * cg) * inSize
                    var src = xg
                    if !pointwise {
                        im2col(xg, channels: cg, g, col)
                        src = UnsafePointer(col)
                    }
                    sgemm(transA: false, transB: false, m: mg, n: outSize, k: kdim, alpha: 1,
                          a: bw + gi * mg * kdim, lda: kdim, b: src, ldb: outSize, beta: 0,
                          c: by + (img * m + gi * mg) * outSize, ldc: outSize)
                }
                guard bias != nil || relu || residual != nil else { continue }
                for f in 0..<m {
                    let b = bias?.data[f] ?? 0
                    let out = by + (img * m + f) * outSize
                    if residual != nil, let r = pr.baseAddress.map({ $0 + (img * m + f) * outSize }) {
                        if relu {
                            for i in 0..<outSize { out[i] = max(out[i] + b + r[i], 0) }
                        } else {
                            for i in 0..<outSize { out[i] += b + r[i] }
                        }
                    } else if relu {
                        for i in 0..<outSize { out[i] = max(out[i] + b, 0) }
                    } else {
                        for i in 0..<outSize { out[i] += b }
                    }
                }
            }
        }
    } } }
    return Tensor(uncheckedShape: outShape, data: y)
}
