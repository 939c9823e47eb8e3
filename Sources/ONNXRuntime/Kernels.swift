import Foundation

private func arg(_ args: [Value?], _ i: Int) throws -> Value {
    guard i < args.count, let v = args[i] else { throw KernelError("input \(i) is missing") }
    return v
}

private func floatArg(_ args: [Value?], _ i: Int) throws -> Tensor {
    try arg(args, i).asFloatTensor
}

@inline(__always)
private func mapFloat(_ t: Tensor, _ f: (Float) -> Float) -> Value {
    let n = t.count
    let out = t.data.withUnsafeBufferPointer { src in
        [Float](unsafeUninitializedCapacity: n) { dst, c in
            for i in 0..<n { dst.initializeElement(at: i, to: f(src[i])) }
            c = n
        }
    }
    return .float(Tensor(uncheckedShape: t.shape, data: out))
}

/// Reshapes a value of either element type.
private func reshaped(_ v: Value, _ shape: [Int]) -> Value {
    switch v {
    case .float(let t): return .float(Tensor(uncheckedShape: shape, data: t.data))
    case .int64(_, let d): return .int64(shape: shape, data: d)
    }
}

private func axesArg(_ args: [Value?], _ attr: [Int]?) throws -> [Int]? {
    if let attr { return attr }
    if args.count > 1, let v = args[1] {
        guard v.count <= 64 else { throw KernelError("too many axes") }
        return v.asInt64.map { Int(clamping: $0) }
    }
    return nil
}

func execute(_ node: CompiledNode, _ args: [Value?]) throws -> [Value] {
    switch node.op {
    case .identity:
        return [try arg(args, 0)]
    case .constant(let v):
        return [v]
    case .cast(let toInt64):
        let v = try arg(args, 0)
        return [toInt64 ? .int64(shape: v.shape, data: v.asInt64) : .float(v.asFloatTensor)]
    case .shape(let start, let end):
        let s = try arg(args, 0).shape
        let r = s.count
        let lo = min(max(start < 0 ? start + r : start, 0), r)
        let hi = max(lo, min(max((end ?? r) < 0 ? (end ?? r) + r : (end ?? r), 0), r))
        return [.int64(shape: [hi - lo], data: s[lo..<hi].map { Int64($0) })]
    case .gather(let axis):
        let v = try arg(args, 0)
        let idxValue = try arg(args, 1)
        let s = v.shape
        let a = try Shapes.normalizeAxis(axis, rank: s.count)
        let dim = s[a]
        let indices = try idxValue.asInt64.map { i -> Int in
            let j = i < 0 ? i + Int64(dim) : i
            guard j >= 0, j < Int64(dim) else { throw KernelError("index \(i) is out of range for axis \(axis) of \(s)") }
            return Int(j)
        }
        let outShape = Array(s[..<a]) + idxValue.shape + Array(s[(a + 1)...])
        _ = try Shapes.count(outShape)
        let outer = Shapes.product(s, 0..<a), inner = Shapes.product(s, (a + 1)..<s.count)
        func gather<T>(_ data: [T]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(outer * indices.count * inner)
            for o in 0..<outer {
                for i in indices { out.append(contentsOf: data[((o * dim + i) * inner)..<((o * dim + i + 1) * inner)]) }
            }
            return out
        }
        switch v {
        case .float(let t): return [.float(Tensor(uncheckedShape: outShape, data: gather(t.data)))]
        case .int64(_, let d): return [.int64(shape: outShape, data: gather(d))]
        }
    case .relu:
        return [mapFloat(try floatArg(args, 0)) { max($0, 0) }]
    case .leakyRelu(let alpha):
        return [mapFloat(try floatArg(args, 0)) { $0 >= 0 ? $0 : alpha * $0 }]
    case .sigmoid:
        return [mapFloat(try floatArg(args, 0)) { 1 / (1 + exp(-$0)) }]
    case .tanh:
        return [mapFloat(try floatArg(args, 0)) { Foundation.tanh($0) }]
    case .binary(let op):
        let a = try arg(args, 0), b = try arg(args, 1)
        if case .int64(let sa, let da) = a, case .int64(let sb, let db) = b {
            let f: (Int64, Int64) -> Int64
            switch op {
            case .add: f = { $0 &+ $1 }
            case .sub: f = { $0 &- $1 }
            case .mul: f = { $0 &* $1 }
            case .div: f = { $1 == 0 ? 0 : $0.dividedReportingOverflow(by: $1).partialValue }
            }
            let (s, d) = try broadcastBinary(da, sa, db, sb, f)
            return [.int64(shape: s, data: d)]
        }
        let ta = a.asFloatTensor, tb = b.asFloatTensor
        let (s, d): ([Int], [Float])
        switch op {
        case .add: (s, d) = try broadcastBinary(ta.data, ta.shape, tb.data, tb.shape, +)
        case .sub: (s, d) = try broadcastBinary(ta.data, ta.shape, tb.data, tb.shape, -)
        case .mul: (s, d) = try broadcastBinary(ta.data, ta.shape, tb.data, tb.shape, *)
        case .div: (s, d) = try broadcastBinary(ta.data, ta.shape, tb.data, tb.shape, /)
        }
        return [.float(Tensor(uncheckedShape: s, data: d))]
    case .clip(let lo0, let hi0):
        let x = try floatArg(args, 0)
        var lo = lo0, hi = hi0
        if args.count > 1, let v = args[1] {
            guard v.count == 1 else { throw KernelError("min must be a scalar") }
            lo = v.asFloatTensor.data[0]
        }
        if args.count > 2, let v = args[2] {
            guard v.count == 1 else { throw KernelError("max must be a scalar") }
            hi = v.asFloatTensor.data[0]
        }
        return [mapFloat(x) { min(max($0, lo), hi) }]
    case .softmax(let axis, let log, let legacy):
        return [.float(try softmax(try floatArg(args, 0), axis: axis, log: log, legacy: legacy))]
    case .gemm(let alpha, let beta, let transA, let transB):
        return [.float(try gemm(try floatArg(args, 0), try floatArg(args, 1), args.count > 2 ? args[2]?.asFloatTensor : nil,
                                alpha: alpha, beta: beta, transA: transA, transB: transB))]
    case .matMul:
        return [.float(try matMul(try floatArg(args, 0), try floatArg(args, 1)))]
    case .conv(let cfg, let group, let relu):
        return [.float(try conv(try floatArg(args, 0), try floatArg(args, 1), args.count > 2 ? args[2]?.asFloatTensor : nil,
                                cfg: cfg, group: group, relu: relu))]
    case .maxPool(let cfg):
        return [.float(try pool(try floatArg(args, 0), cfg: cfg, isMax: true, countIncludePad: false))]
    case .averagePool(let cfg, let countIncludePad):
        return [.float(try pool(try floatArg(args, 0), cfg: cfg, isMax: false, countIncludePad: countIncludePad))]
    case .globalAveragePool:
        let x = try floatArg(args, 0)
        guard x.rank >= 3 else { throw KernelError("expects rank >= 3, got \(x.shape)") }
        let nc = x.shape[0] * x.shape[1]
        let spatial = Shapes.product(x.shape, 2..<x.rank)
        var out = [Float](repeating: 0, count: nc)
        x.data.withUnsafeBufferPointer { p in
            for i in 0..<nc {
                var s: Float = 0
                for j in 0..<spatial { s += p[i * spatial + j] }
                out[i] = spatial > 0 ? s / Float(spatial) : 0
            }
        }
        return [.float(Tensor(uncheckedShape: Array(x.shape[0..<2]) + [Int](repeating: 1, count: x.rank - 2), data: out))]
    case .batchNorm(let epsilon):
        let x = try floatArg(args, 0)
        let scale = try floatArg(args, 1), bias = try floatArg(args, 2), mean = try floatArg(args, 3), variance = try floatArg(args, 4)
        guard x.rank >= 2 else { throw KernelError("expects rank >= 2, got \(x.shape)") }
        let c = x.shape[1]
        guard [scale, bias, mean, variance].allSatisfy({ $0.count == c }) else {
            throw KernelError("scale, B, mean and var must have \(c) elements")
        }
        var a = [Float](repeating: 0, count: c), b = [Float](repeating: 0, count: c)
        for i in 0..<c {
            a[i] = scale.data[i] / (variance.data[i] + epsilon).squareRoot()
            b[i] = bias.data[i] - mean.data[i] * a[i]
        }
        let spatial = Shapes.product(x.shape, 2..<x.rank)
        let n = x.count
        let out = x.data.withUnsafeBufferPointer { p in
            [Float](unsafeUninitializedCapacity: n) { o, cnt in
                var idx = 0
                for _ in 0..<x.shape[0] {
                    for ch in 0..<c {
                        let ac = a[ch], bc = b[ch]
                        for _ in 0..<spatial { o[idx] = p[idx] * ac + bc; idx += 1 }
                    }
                }
                cnt = n
            }
        }
        return [.float(Tensor(uncheckedShape: x.shape, data: out))]
    case .flatten(let axis):
        let v = try arg(args, 0)
        let s = v.shape
        let a = try Shapes.normalizeAxis(axis, rank: s.count, inclusiveEnd: true)
        return [reshaped(v, [Shapes.product(s, 0..<a), Shapes.product(s, a..<s.count)])]
    case .reshape(let allowZero):
        let v = try arg(args, 0)
        let spec = try arg(args, 1).asInt64
        guard spec.count <= Limits.maxRank else { throw KernelError("shape has \(spec.count) dimensions") }
        var shape: [Int] = []
        var inferred: Int?
        for (i, d) in spec.enumerated() {
            if d == 0 && !allowZero {
                guard i < v.shape.count else { throw KernelError("shape \(spec) copies dimension \(i) of \(v.shape)") }
                shape.append(v.shape[i])
            } else if d == -1 {
                guard inferred == nil else { throw KernelError("shape \(spec) has more than one -1") }
                inferred = i
                shape.append(1)
            } else {
                guard d >= 0, d <= Int64(Limits.maxElements) else { throw KernelError("invalid dimension \(d) in shape \(spec)") }
                shape.append(Int(d))
            }
        }
        guard let known = Tensor.elementCount(shape) else { throw KernelError("invalid shape \(spec)") }
        if let i = inferred {
            guard known > 0, v.count % known == 0 else { throw KernelError("cannot reshape \(v.shape) to \(spec)") }
            shape[i] = v.count / known
        } else {
            guard known == v.count else { throw KernelError("cannot reshape \(v.shape) (\(v.count) elements) to \(spec)") }
        }
        return [reshaped(v, shape)]
    case .transpose(let permAttr):
        let v = try arg(args, 0)
        let r = v.shape.count
        let perm = permAttr ?? Array((0..<r).reversed())
        guard perm.count == r, Set(perm) == Set(0..<r) else { throw KernelError("perm \(perm) is not a permutation for rank \(r)") }
        switch v {
        case .float(let t):
            let (s, d) = transposeData(t.data, shape: t.shape, perm: perm)
            return [.float(Tensor(uncheckedShape: s, data: d))]
        case .int64(let shape, let data):
            let (s, d) = transposeData(data, shape: shape, perm: perm)
            return [.int64(shape: s, data: d)]
        }
    case .squeeze(let attrAxes):
        let v = try arg(args, 0)
        let s = v.shape
        if let axes = try axesArg(args, attrAxes) {
            let norm = try Set(axes.map { try Shapes.normalizeAxis($0, rank: s.count) })
            for a in norm where s[a] != 1 { throw KernelError("cannot squeeze axis \(a) of shape \(s)") }
            return [reshaped(v, s.enumerated().filter { !norm.contains($0.offset) }.map(\.element))]
        }
        return [reshaped(v, s.filter { $0 != 1 })]
    case .unsqueeze(let attrAxes):
        let v = try arg(args, 0)
        guard let axes = try axesArg(args, attrAxes) else { throw KernelError("axes are required") }
        let outRank = v.shape.count + axes.count
        guard outRank <= Limits.maxRank else { throw KernelError("result rank \(outRank) too large") }
        let norm = try axes.map { try Shapes.normalizeAxis($0, rank: outRank) }
        guard Set(norm).count == norm.count else { throw KernelError("duplicate axes \(axes)") }
        var shape: [Int] = []
        var it = v.shape.makeIterator()
        for i in 0..<outRank {
            if norm.contains(i) { shape.append(1) } else if let d = it.next() { shape.append(d) }
        }
        return [reshaped(v, shape)]
    case .concat(let axis):
        let vals = try (0..<args.count).map { try arg(args, $0) }
        guard let first = vals.first else { throw KernelError("no inputs") }
        let r = first.shape.count
        let a = try Shapes.normalizeAxis(axis, rank: r)
        var outShape = first.shape
        outShape[a] = 0
        for v in vals {
            guard v.shape.count == r, (0..<r).allSatisfy({ $0 == a || v.shape[$0] == first.shape[$0] }) else {
                throw KernelError("cannot concatenate \(vals.map(\.shape)) along axis \(axis)")
            }
            outShape[a] += v.shape[a]
        }
        _ = try Shapes.count(outShape)
        if vals.allSatisfy({ if case .int64 = $0 { return true } else { return false } }) {
            return [.int64(shape: outShape, data: concatData(vals.map { ($0.shape, $0.asInt64) }, axis: a))]
        }
        return [.float(Tensor(uncheckedShape: outShape, data: concatData(vals.map { ($0.shape, $0.asFloatTensor.data) }, axis: a)))]
    }
}

private func softmax(_ x: Tensor, axis: Int, log: Bool, legacy: Bool) throws -> Tensor {
    let r = x.rank
    let a = try Shapes.normalizeAxis(axis, rank: max(r, 1))
    let outer: Int, len: Int, inner: Int
    if legacy {
        outer = Shapes.product(x.shape, 0..<a); len = Shapes.product(x.shape, a..<r); inner = 1
    } else {
        outer = Shapes.product(x.shape, 0..<a); len = r == 0 ? 1 : x.shape[a]; inner = Shapes.product(x.shape, (a + 1)..<max(r, a + 1))
    }
    var out = x.data
    out.withUnsafeMutableBufferPointer { p in
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * len * inner + i
                var m = -Float.infinity
                for k in 0..<len { m = max(m, p[base + k * inner]) }
                var sum: Float = 0
                for k in 0..<len {
                    let e = exp(p[base + k * inner] - m)
                    p[base + k * inner] = e
                    sum += e
                }
                if log {
                    let ls = Foundation.log(sum)
                    for k in 0..<len { p[base + k * inner] = x.data[base + k * inner] - m - ls }
                } else {
                    let inv = 1 / sum
                    for k in 0..<len { p[base + k * inner] *= inv }
                }
            }
        }
    }
    return Tensor(uncheckedShape: x.shape, data: out)
}

private func gemm(_ a: Tensor, _ b: Tensor, _ c: Tensor?, alpha: Float, beta: Float, transA: Bool, transB: Bool) throws -> Tensor {
    guard a.rank == 2, b.rank == 2 else { throw KernelError("A and B must be 2-D, got \(a.shape) and \(b.shape)") }
    let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
    let kb = transB ? b.shape[1] : b.shape[0], n = transB ? b.shape[0] : b.shape[1]
    guard k == kb else { throw KernelError("inner dimensions differ: A \(a.shape) B \(b.shape) transA=\(transA) transB=\(transB)") }
    let count = try Shapes.count([m, n])
    var y = [Float](repeating: 0, count: count)
    var betaForGemm: Float = 0
    if let c, beta != 0 {
        guard c.rank <= 2 else { throw KernelError("C must have rank <= 2, got \(c.shape)") }
        let cs = [Int](repeating: 1, count: 2 - c.rank) + c.shape
        guard (cs[0] == m || cs[0] == 1), (cs[1] == n || cs[1] == 1) else {
            throw KernelError("C \(c.shape) is not broadcastable to [\(m), \(n)]")
        }
        let rs = cs[0] == 1 ? 0 : cs[1], colS = cs[1] == 1 ? 0 : 1
        for i in 0..<m { for j in 0..<n { y[i * n + j] = beta * c.data[i * rs + j * colS] } }
        betaForGemm = 1
    }
    a.data.withUnsafeBufferPointer { pa in b.data.withUnsafeBufferPointer { pb in y.withUnsafeMutableBufferPointer { py in
        guard let ba = pa.baseAddress, let bb = pb.baseAddress, let by = py.baseAddress else { return }
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: ba, lda: a.shape[1], b: bb, ldb: b.shape[1],
              beta: betaForGemm, c: by, ldc: n)
    } } }
    return Tensor(uncheckedShape: [m, n], data: y)
}

private func matMul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    guard a.rank >= 1, b.rank >= 1 else { throw KernelError("operands must have rank >= 1") }
    let aShape = a.rank == 1 ? [1] + a.shape : a.shape
    let bShape = b.rank == 1 ? b.shape + [1] : b.shape
    let m = aShape[aShape.count - 2], k = aShape[aShape.count - 1]
    let kb = bShape[bShape.count - 2], n = bShape[bShape.count - 1]
    guard k == kb else { throw KernelError("inner dimensions differ: \(a.shape) × \(b.shape)") }
    let batchA = Array(aShape.dropLast(2)), batchB = Array(bShape.dropLast(2))
    let batch = try Shapes.broadcast(batchA, batchB)
    var outShape = batch + [m, n]
    let total = try Shapes.count(outShape)
    var y = [Float](repeating: 0, count: total)
    let batches = Shapes.product(batch, 0..<batch.count)
    a.data.withUnsafeBufferPointer { pa in b.data.withUnsafeBufferPointer { pb in y.withUnsafeMutableBufferPointer { py in
        guard let ba = pa.baseAddress, let bb = pb.baseAddress, let by = py.baseAddress else { return }
        if Shapes.product(batchB, 0..<batchB.count) == 1 && batchA == batch {
            // Fold A's batch into M: one GEMM.
            sgemm(transA: false, transB: false, m: batches * m, n: n, k: k, alpha: 1, a: ba, lda: k, b: bb, ldb: n, beta: 0, c: by, ldc: n)
            return
        }
        let sa = Shapes.broadcastStrides(batchA, to: batch), sb = Shapes.broadcastStrides(batchB, to: batch)
        for bi in 0..<batches {
            var rem = bi, offA = 0, offB = 0
            for d in stride(from: batch.count - 1, through: 0, by: -1) {
                let idx = rem % batch[d]; rem /= batch[d]
                offA += idx * sa[d]; offB += idx * sb[d]
            }
            sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: ba + offA * m * k, lda: k,
                  b: bb + offB * k * n, ldb: n, beta: 0, c: by + bi * m * n, ldc: n)
        }
    } } }
    if b.rank == 1 { outShape.removeLast() }
    if a.rank == 1 { outShape.remove(at: outShape.count - (b.rank == 1 ? 1 : 2)) }
    return Tensor(uncheckedShape: outShape, data: y)
}

/// Output size and padding of one spatial axis.
private func window(input: Int, kernel: Int, stride s: Int, dilation d: Int, cfg: WindowConfig, axis: Int) throws -> (out: Int, begin: Int) {
    let keff = (kernel - 1) * d + 1
    switch cfg.autoPad {
    case .valid:
        guard input >= keff else { throw KernelError("input size \(input) is smaller than the window \(keff)") }
        return ((input - keff) / s + 1, 0)
    case .sameUpper, .sameLower:
        let out = (input + s - 1) / s
        let total = max(0, (out - 1) * s + keff - input)
        let begin = cfg.autoPad == .sameUpper ? total / 2 : total - total / 2
        return (out, begin)
    case .explicit:
        let begin = cfg.pads[axis], end = cfg.pads[axis + 2]
        let span = input + begin + end - keff
        guard span >= 0 else { throw KernelError("padded input size \(input + begin + end) is smaller than the window \(keff)") }
        var out = (cfg.ceilMode ? (span + s - 1) / s : span / s) + 1
        if cfg.ceilMode && (out - 1) * s >= input + begin { out -= 1 }
        return (out, begin)
    }
}

private func conv(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, cfg: WindowConfig, group: Int, relu: Bool) throws -> Tensor {
    guard x.rank == 4, w.rank == 4 else { throw KernelError("only 2-D convolution (4-D X and W) is supported, got X \(x.shape) W \(w.shape)") }
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (m, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    guard kh >= 1, kw >= 1 else { throw KernelError("W \(w.shape) has an empty kernel") }
    if let ks = cfg.kernelShape, ks != [kh, kw] { throw KernelError("kernel_shape \(ks) does not match W \(w.shape)") }
    guard c % group == 0, m % group == 0, cg == c / group else {
        throw KernelError("channels \(c), filters \(m) and W \(w.shape) are inconsistent with group \(group)")
    }
    if let bias, bias.count != m { throw KernelError("B has \(bias.count) elements, expected \(m)") }
    let (oh, pt) = try window(input: h, kernel: kh, stride: cfg.strides[0], dilation: cfg.dilations[0], cfg: cfg, axis: 0)
    let (ow, pl) = try window(input: wd, kernel: kw, stride: cfg.strides[1], dilation: cfg.dilations[1], cfg: cfg, axis: 1)
    let (sh, sw, dh, dw) = (cfg.strides[0], cfg.strides[1], cfg.dilations[0], cfg.dilations[1])
    let ohw = oh * ow
    let outCount = try Shapes.count([n, m, oh, ow])
    let kdim = cg * kh * kw
    let mg = m / group
    let pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && oh == h && ow == wd
    _ = try Shapes.count([kdim, ohw])
    var col = [Float](repeating: 0, count: pointwise ? 0 : kdim * ohw)
    var y = [Float](repeating: 0, count: outCount)
    x.data.withUnsafeBufferPointer { px in w.data.withUnsafeBufferPointer { pw in y.withUnsafeMutableBufferPointer { py in
        col.withUnsafeMutableBufferPointer { pc in
            guard let bx = px.baseAddress, let bw = pw.baseAddress, let by = py.baseAddress else { return }
            for img in 0..<n {
                for g in 0..<group {
                    let xg = bx + (img * c + g * cg) * h * wd
                    let src: UnsafePointer<Float>
                    if pointwise {
                        src = xg
                    } else {
                        guard let bc = pc.baseAddress else { return }
                        var row = 0
                        for ch in 0..<cg {
                            let plane = xg + ch * h * wd
                            for ki in 0..<kh {
                                for kj in 0..<kw {
                                    let dst = bc + row * ohw
                                    // Output columns j whose input column j*sw - pl + kj*dw lies inside the image.
                                    let off = kj * dw - pl
                                    let jlo = min(ow, off >= 0 ? 0 : (-off + sw - 1) / sw)
                                    let jhi = max(jlo, min(ow, wd - off <= 0 ? 0 : (wd - off + sw - 1) / sw))
                                    for i in 0..<oh {
                                        let ih = i * sh - pt + ki * dh
                                        let line = dst + i * ow
                                        if ih < 0 || ih >= h {
                                            line.update(repeating: 0, count: ow)
                                            continue
                                        }
                                        let srcRow = plane + ih * wd + off
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
                        src = UnsafePointer(bc)
                    }
                    sgemm(transA: false, transB: false, m: mg, n: ohw, k: kdim, alpha: 1,
                          a: bw + g * mg * kdim, lda: kdim, b: src, ldb: ohw, beta: 0,
                          c: by + (img * m + g * mg) * ohw, ldc: ohw)
                }
                if bias != nil || relu {
                    for f in 0..<m {
                        let b = bias?.data[f] ?? 0
                        let out = by + (img * m + f) * ohw
                        if relu {
                            for i in 0..<ohw { out[i] = max(out[i] + b, 0) }
                        } else {
                            for i in 0..<ohw { out[i] += b }
                        }
                    }
                }
            }
        }
    } } }
    return Tensor(uncheckedShape: [n, m, oh, ow], data: y)
}

private func pool(_ x: Tensor, cfg: WindowConfig, isMax: Bool, countIncludePad: Bool) throws -> Tensor {
    guard x.rank == 4 else { throw KernelError("only 2-D pooling (4-D input) is supported, got \(x.shape)") }
    guard let ks = cfg.kernelShape else { throw KernelError("kernel_shape is required") }
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (kh, kw, sh, sw, dh, dw) = (ks[0], ks[1], cfg.strides[0], cfg.strides[1], cfg.dilations[0], cfg.dilations[1])
    let (oh, pt) = try window(input: h, kernel: kh, stride: sh, dilation: dh, cfg: cfg, axis: 0)
    let (ow, pl) = try window(input: w, kernel: kw, stride: sw, dilation: dw, cfg: cfg, axis: 1)
    // Padded extents (for count_include_pad): explicit end pads or the auto-pad totals.
    let pb = max(0, (oh - 1) * sh + (kh - 1) * dh + 1 - h - pt)
    let pr = max(0, (ow - 1) * sw + (kw - 1) * dw + 1 - w - pl)
    let padBottom = cfg.autoPad == .explicit ? cfg.pads[2] : pb
    let padRight = cfg.autoPad == .explicit ? cfg.pads[3] : pr
    let outCount = try Shapes.count([n, c, oh, ow])
    var y = [Float](repeating: 0, count: outCount)
    // The common 2×2, stride-2 max pooling with every window inside the image.
    let simple2x2 = isMax && kh == 2 && kw == 2 && sh == 2 && sw == 2 && dh == 1 && dw == 1
        && pt == 0 && pl == 0 && 2 * oh <= h && 2 * ow <= w
    x.data.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { py in
        guard let bx = px.baseAddress, let by = py.baseAddress else { return }
        if simple2x2 {
            for plane in 0..<(n * c) {
                let src = bx + plane * h * w
                let dst = by + plane * oh * ow
                for i in 0..<oh {
                    let r0 = src + 2 * i * w, r1 = r0 + w, out = dst + i * ow
                    for j in 0..<ow {
                        out[j] = max(max(r0[2 * j], r0[2 * j + 1]), max(r1[2 * j], r1[2 * j + 1]))
                    }
                }
            }
            return
        }
        for plane in 0..<(n * c) {
            let src = plane * h * w
            let dst = plane * oh * ow
            for i in 0..<oh {
                let hs = i * sh - pt
                for j in 0..<ow {
                    let ws = j * sw - pl
                    if isMax && hs >= 0 && ws >= 0 && hs + (kh - 1) * dh < h && ws + (kw - 1) * dw < w {
                        // Window entirely inside the image: no bounds checks.
                        var m = -Float.greatestFiniteMagnitude
                        var rowStart = src + hs * w + ws
                        for _ in 0..<kh {
                            var p = rowStart
                            for _ in 0..<kw { m = max(m, px[p]); p += dw }
                            rowStart += dh * w
                        }
                        py[dst + i * ow + j] = m
                    } else if isMax {
                        var m = -Float.greatestFiniteMagnitude
                        for a in 0..<kh {
                            let ih = hs + a * dh
                            if ih < 0 || ih >= h { continue }
                            for b in 0..<kw {
                                let iw = ws + b * dw
                                if iw < 0 || iw >= w { continue }
                                m = max(m, px[src + ih * w + iw])
                            }
                        }
                        py[dst + i * ow + j] = m
                    } else {
                        let he = min(hs + kh, h + padBottom), we = min(ws + kw, w + padRight)
                        var size = (he - hs) * (we - ws)
                        let h0 = max(hs, 0), h1 = min(he, h), w0 = max(ws, 0), w1 = min(we, w)
                        if !countIncludePad { size = max(0, h1 - h0) * max(0, w1 - w0) }
                        var s: Float = 0
                        if h0 < h1 && w0 < w1 {
                            for ih in h0..<h1 { for iw in w0..<w1 { s += px[src + ih * w + iw] } }
                        }
                        py[dst + i * ow + j] = size > 0 ? s / Float(size) : 0
                    }
                }
            }
        }
    } }
    return Tensor(uncheckedShape: [n, c, oh, ow], data: y)
}
