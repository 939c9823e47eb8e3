import Foundation

/// Reductions over arbitrary axes (one pass with broadcast output strides), LRN and InstanceNormalization.
func reduceKernel(_ op: ReduceOp, _ v: Value, axes axesIn: [Int]?, keepDims: Bool, noopWithEmptyAxes: Bool) throws -> Value {
    let shape = v.shape, r = shape.count
    if (axesIn ?? []).isEmpty && noopWithEmptyAxes { return v }
    let axes = Set(try (axesIn?.isEmpty == false ? axesIn ?? [] : Array(0..<r)).map { try Shapes.normalizeAxis($0, rank: max(r, 1)) })
    let kept = (0..<r).map { axes.contains($0) ? 1 : shape[$0] }
    let outCount = try Shapes.count(kept)
    let groupSize = max(1, Shapes.product(shape, 0..<r) / max(outCount, 1))
    let x = v.asFloatTensor.data
    let initial: Float
    switch op {
    case .max: initial = -.infinity
    case .min: initial = .infinity
    case .prod: initial = 1
    default: initial = 0
    }
    var acc = [Float](repeating: initial, count: outCount)
    let outStrides = rowMajorStrides(kept).enumerated().map { axes.contains($0.offset) ? 0 : $0.element }
    var index = [Int](repeating: 0, count: r)
    var o = 0
    for value in x {
        switch op {
        case .sum, .mean: acc[o] += value
        case .max: acc[o] = max(acc[o], value)
        case .min: acc[o] = min(acc[o], value)
        case .prod: acc[o] *= value
        case .sumSquare, .l2: acc[o] += value * value
        case .l1: acc[o] += abs(value)
        case .logSum: acc[o] += value
        case .logSumExp: acc[o] += Foundation.exp(value)
        }
        var a = r - 1
        while a >= 0 {
            index[a] += 1; o += outStrides[a]
            if index[a] < shape[a] { break }
            o -= outStrides[a] * index[a]; index[a] = 0; a -= 1
        }
    }
    switch op {
    case .mean: acc = acc.map { $0 / Float(groupSize) }
    case .l2: acc = acc.map { $0.squareRoot() }
    case .logSum, .logSumExp: acc = acc.map { Foundation.log($0) }
    default: break
    }
    let outShape = keepDims ? kept : (0..<r).filter { !axes.contains($0) }.map { shape[$0] }
    if case .int64 = v, op != .mean, op != .l2, op != .logSum, op != .logSumExp {
        return .int64(shape: outShape, data: acc.map { $0.isFinite ? Int64($0) : 0 })
    }
    return .float(Tensor(uncheckedShape: outShape, data: acc))
}

/// Local response normalisation across channels (axis 1).
func lrnKernel(_ x: Tensor, size: Int, alpha: Float, beta: Float, bias: Float) throws -> Tensor {
    guard x.rank >= 3 else { throw KernelError("expects rank >= 3, got \(x.shape)") }
    let (n, c) = (x.shape[0], x.shape[1])
    let spatial = Shapes.product(x.shape, 2..<x.rank)
    let before = (size - 1) / 2, after = size - 1 - before
    var out = [Float](repeating: 0, count: x.count)
    var sq = [Float](repeating: 0, count: spatial)
    let scale = alpha / Float(size)
    x.data.withUnsafeBufferPointer { p in
        for img in 0..<n {
            for ch in 0..<c {
                for i in 0..<spatial { sq[i] = 0 }
                for j in max(0, ch - before)...min(c - 1, ch + after) {
                    let src = (img * c + j) * spatial
                    for i in 0..<spatial { sq[i] += p[src + i] * p[src + i] }
                }
                let base = (img * c + ch) * spatial
                for i in 0..<spatial { out[base + i] = p[base + i] / Foundation.pow(bias + scale * sq[i], beta) }
            }
        }
    }
    return Tensor(uncheckedShape: x.shape, data: out)
}

func instanceNormKernel(_ x: Tensor, _ scale: Tensor, _ bias: Tensor, epsilon: Float) throws -> Tensor {
    guard x.rank >= 3 else { throw KernelError("expects rank >= 3, got \(x.shape)") }
    let (n, c) = (x.shape[0], x.shape[1])
    guard scale.count == c, bias.count == c else { throw KernelError("scale and B must have \(c) elements") }
    let spatial = Shapes.product(x.shape, 2..<x.rank)
    var out = x.data
    for img in 0..<n {
        for ch in 0..<c {
            let base = (img * c + ch) * spatial
            var mean: Double = 0, sq: Double = 0
            for i in 0..<spatial { mean += Double(x.data[base + i]) }
            mean /= Double(max(spatial, 1))
            for i in 0..<spatial { let d = Double(x.data[base + i]) - mean; sq += d * d }
            let inv = Float(1 / (sq / Double(max(spatial, 1)) + Double(epsilon)).squareRoot())
            for i in 0..<spatial { out[base + i] = (x.data[base + i] - Float(mean)) * inv * scale.data[ch] + bias.data[ch] }
        }
    }
    return Tensor(uncheckedShape: x.shape, data: out)
}
