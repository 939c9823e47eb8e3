import Foundation

func arg(_ args: [Value?], _ i: Int) throws -> Value {
    guard i < args.count, let v = args[i] else { throw KernelError("input \(i) is missing") }
    return v
}

func floatArg(_ args: [Value?], _ i: Int) throws -> Tensor {
    try arg(args, i).asFloatTensor
}

@inline(__always)
func mapFloat(_ t: Tensor, _ f: (Float) -> Float) -> Value {
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
func reshaped(_ v: Value, _ shape: [Int]) -> Value {
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

func execute(_ node: CompiledNode, _ args: [Value?], scratch: Scratch = Scratch()) throws -> [Value] {
    switch node.op {
    case .identity:
        return [try arg(args, 0)]
    case .constant(let v):
        return [v]
    case .cast(let to):
        return [castValue(try arg(args, 0), to: to)]
    case .dropout:
        let x = try arg(args, 0)
        let ratio = args.count > 1 ? args[1]?.asFloatTensor.data.first ?? 0.5 : 0.5
        if args.count > 2, let training = args[2], training.asInt64.contains(where: { $0 != 0 }), ratio != 0 {
            throw KernelError("training_mode = true (random dropout) is not supported; inference only")
        }
        if node.outputs.count < 2 { return [x] }
        return [x, .int64(shape: x.shape, data: [Int64](repeating: 1, count: x.count))]
    case .shape(let start, let end):
        let s = try arg(args, 0).shape
        let r = s.count
        let lo = min(max(start < 0 ? start + r : start, 0), r)
        let hi = max(lo, min(max((end ?? r) < 0 ? (end ?? r) + r : (end ?? r), 0), r))
        return [.int64(shape: [hi - lo], data: s[lo..<hi].map { Int64($0) })]
    case .gather(let axis):
        return try gatherKernel(args, axis: axis)
    case .relu:
        return [mapFloat(try floatArg(args, 0)) { max($0, 0) }]
    case .leakyRelu(let alpha):
        return [mapFloat(try floatArg(args, 0)) { $0 >= 0 ? $0 : alpha * $0 }]
    case .sigmoid:
        return [mapFloat(try floatArg(args, 0)) { 1 / (1 + exp(-$0)) }]
    case .tanh:
        return [mapFloat(try floatArg(args, 0)) { Foundation.tanh($0) }]
    case .binary(let op, let legacyAxis):
        return [try binaryKernel(op, try arg(args, 0), try arg(args, 1), legacyAxis: legacyAxis)]
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
    case .batchNorm(let epsilon):
        return try batchNormKernel(args, epsilon: epsilon)
    case .flatten(let axis):
        let v = try arg(args, 0)
        let s = v.shape
        let a = try Shapes.normalizeAxis(axis, rank: s.count, inclusiveEnd: true)
        return [reshaped(v, [Shapes.product(s, 0..<a), Shapes.product(s, a..<s.count)])]
    case .reshape(let allowZero, let shapeAttr):
        return try reshapeKernel(args, allowZero: allowZero, shapeAttr: shapeAttr)
    case .transpose(let permAttr):
        return try transposeKernel(args, permAttr: permAttr)
    case .squeeze(let attrAxes):
        return try squeezeKernel(args, attrAxes: attrAxes)
    case .unsqueeze(let attrAxes):
        return try unsqueezeKernel(args, attrAxes: attrAxes)
    case .concat(let axis):
        return try concatKernel(args, axis: axis)
    default:
        return try executeMore(node, args, scratch: scratch)
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

private func gatherKernel(_ args: [Value?], axis: Int) throws -> [Value] {
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
}

private func batchNormKernel(_ args: [Value?], epsilon: Float) throws -> [Value] {
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
}

private func reshapeKernel(_ args: [Value?], allowZero: Bool, shapeAttr: [Int64]?) throws -> [Value] {
    let v = try arg(args, 0)
    let spec = try shapeAttr ?? arg(args, 1).asInt64
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
}

private func transposeKernel(_ args: [Value?], permAttr: [Int]?) throws -> [Value] {
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
}

private func squeezeKernel(_ args: [Value?], attrAxes: [Int]?) throws -> [Value] {
    let v = try arg(args, 0)
    let s = v.shape
    if let axes = try axesArg(args, attrAxes) {
        let norm = try Set(axes.map { try Shapes.normalizeAxis($0, rank: s.count) })
        for a in norm where s[a] != 1 { throw KernelError("cannot squeeze axis \(a) of shape \(s)") }
        return [reshaped(v, s.enumerated().filter { !norm.contains($0.offset) }.map(\.element))]
    }
    return [reshaped(v, s.filter { $0 != 1 })]
}

private func unsqueezeKernel(_ args: [Value?], attrAxes: [Int]?) throws -> [Value] {
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
}

private func concatKernel(_ args: [Value?], axis: Int) throws -> [Value] {
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
