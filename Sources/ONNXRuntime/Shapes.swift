/// Shape utilities shared by kernels.
enum Shapes {
    static func count(_ shape: [Int]) throws -> Int {
        guard let n = Tensor.elementCount(shape), n <= Limits.maxElements else {
            throw KernelError("shape \(shape) is invalid or exceeds the limit of \(Limits.maxElements) elements per tensor (use smaller batches)")
        }
        return n
    }

    /// Product of the dimensions in `range` (shape already validated).
    static func product(_ shape: [Int], _ range: Range<Int>) -> Int {
        var p = 1
        for i in range { p *= shape[i] }
        return p
    }

    static func normalizeAxis(_ axis: Int, rank: Int, inclusiveEnd: Bool = false) throws -> Int {
        let limit = inclusiveEnd ? rank + 1 : rank
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < limit else { throw KernelError("axis \(axis) is out of range for rank \(rank)") }
        return a
    }

    /// Numpy-style broadcast of two shapes.
    static func broadcast(_ a: [Int], _ b: [Int]) throws -> [Int] {
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            guard da == db || da == 1 || db == 1 else {
                throw KernelError("shapes \(a) and \(b) are not broadcastable")
            }
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Element strides of `shape` when broadcast to `target` (0 along broadcast dimensions).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let r = target.count
        var strides = [Int](repeating: 0, count: r)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            let ti = i + (r - shape.count)
            strides[ti] = shape[i] == 1 && target[ti] != 1 ? 0 : s
            s *= shape[i]
        }
        return strides
    }
}

/// Broadcasting element-wise binary operation over any element type.
@inline(__always)
func broadcastBinary<T>(_ a: [T], _ aShape: [Int], _ b: [T], _ bShape: [Int], _ f: (T, T) -> T) throws -> ([Int], [T]) {
    let outShape = try Shapes.broadcast(aShape, bShape)
    let n = try Shapes.count(outShape)
    if aShape == bShape {
        return (outShape, a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
            [T](unsafeUninitializedCapacity: n) { out, c in
                for i in 0..<n { out.initializeElement(at: i, to: f(pa[i], pb[i])) }
                c = n
            }
        } })
    }
    if n == 0 { return (outShape, []) }
    let r = outShape.count
    let sa = Shapes.broadcastStrides(aShape, to: outShape)
    let sb = Shapes.broadcastStrides(bShape, to: outShape)
    let inner = r == 0 ? 1 : outShape[r - 1]
    let ia = r == 0 ? 0 : sa[r - 1]
    let ib = r == 0 ? 0 : sb[r - 1]
    let outer = n / max(inner, 1)
    let data = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
        [T](unsafeUninitializedCapacity: n) { out, c in
            var index = [Int](repeating: 0, count: max(r - 1, 0))
            var offA = 0, offB = 0, o = 0
            for _ in 0..<outer {
                var x = offA, y = offB
                for _ in 0..<inner {
                    out.initializeElement(at: o, to: f(pa[x], pb[y]))
                    o += 1; x += ia; y += ib
                }
                // Odometer over the outer dimensions.
                var d = r - 2
                while d >= 0 {
                    index[d] += 1
                    offA += sa[d]; offB += sb[d]
                    if index[d] < outShape[d] { break }
                    offA -= sa[d] * index[d]; offB -= sb[d] * index[d]
                    index[d] = 0
                    d -= 1
                }
            }
            c = n
        }
    } }
    return (outShape, data)
}

/// Generic transpose of row-major data.
func transposeData<T>(_ data: [T], shape: [Int], perm: [Int]) -> ([Int], [T]) {
    let r = shape.count
    let outShape = perm.map { shape[$0] }
    var inStrides = [Int](repeating: 1, count: r)
    if r > 1 { for i in stride(from: r - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] } }
    let strides = perm.map { inStrides[$0] }
    let n = data.count
    if n == 0 || r == 0 { return (outShape, data) }
    let out = data.withUnsafeBufferPointer { src in
        [T](unsafeUninitializedCapacity: n) { dst, c in
            var index = [Int](repeating: 0, count: r)
            var off = 0
            let inner = outShape[r - 1], innerStride = strides[r - 1]
            var o = 0
            while o < n {
                var x = off
                for _ in 0..<inner { dst.initializeElement(at: o, to: src[x]); o += 1; x += innerStride }
                var d = r - 2
                while d >= 0 {
                    index[d] += 1; off += strides[d]
                    if index[d] < outShape[d] { break }
                    off -= strides[d] * index[d]; index[d] = 0; d -= 1
                }
            }
            c = n
        }
    }
    return (outShape, out)
}

/// Generic concatenation along `axis` (shapes validated by the caller).
func concatData<T>(_ parts: [(shape: [Int], data: [T])], axis: Int) -> [T] {
    guard let first = parts.first else { return [] }
    let outer = Shapes.product(first.shape, 0..<axis)
    let inner = Shapes.product(first.shape, (axis + 1)..<first.shape.count)
    var out: [T] = []
    out.reserveCapacity(parts.reduce(0) { $0 + $1.data.count })
    for o in 0..<outer {
        for p in parts {
            let chunk = p.shape[axis] * inner
            out.append(contentsOf: p.data[(o * chunk)..<((o + 1) * chunk)])
        }
    }
    return out
}
