/// Data movement: one generic per-axis index gather serves Pad, Slice, Split, Tile, Expand and nearest Resize.

/// Output[i1 … ir] = data[tables[0][i1], …, tables[r-1][ir]], or `fill` where any table entry is -1.
func indexGather<T>(_ data: [T], shape: [Int], tables: [[Int]], fill: T) -> [T] {
    let r = shape.count
    let outShape = tables.map(\.count)
    let n = outShape.reduce(1, *)
    if n == 0 { return [] }
    if r == 0 { return data }
    let strides = rowMajorStrides(shape)
    let inner = tables[r - 1]
    return data.withUnsafeBufferPointer { src in
        [T](unsafeUninitializedCapacity: n) { dst, count in
            var index = [Int](repeating: 0, count: r - 1)
            var o = 0
            while o < n {
                var base = 0, valid = true
                for a in 0..<(r - 1) {
                    let i = tables[a][index[a]]
                    if i < 0 { valid = false; break }
                    base += i * strides[a]
                }
                for j in inner {
                    dst.initializeElement(at: o, to: valid && j >= 0 ? src[base + j] : fill)
                    o += 1
                }
                var a = r - 2
                while a >= 0 {
                    index[a] += 1
                    if index[a] < outShape[a] { break }
                    index[a] = 0; a -= 1
                }
            }
            count = n
        }
    }
}

/// Applies `indexGather` to a value of either element type.
func gatherValue(_ v: Value, tables: [[Int]], fill: Float = 0) throws -> Value {
    let shape = tables.map(\.count)
    _ = try Shapes.count(shape)
    switch v {
    case .float(let t): return .float(Tensor(uncheckedShape: shape, data: indexGather(t.data, shape: t.shape, tables: tables, fill: fill)))
    case .int64(let s, let d):
        let f = fill.isFinite ? Int64(fill) : 0
        return .int64(shape: shape, data: indexGather(d, shape: s, tables: tables, fill: f))
    }
}

/// Broadcasts `v` to `shape` (numpy rules, `v`'s dimensions aligned right).
func expandValue(_ v: Value, to shape: [Int]) throws -> Value {
    if v.shape == shape { return v }
    let r = shape.count
    let s = [Int](repeating: 1, count: r - v.shape.count) + v.shape
    let tables = (0..<r).map { a in (0..<shape[a]).map { s[a] == 1 ? 0 : $0 } }
    return try gatherValue(reshaped(v, s), tables: tables)
}

func expandKernel(_ v: Value, _ shapeSpec: Value) throws -> Value {
    let spec = shapeSpec.asInt64
    guard spec.count <= Limits.maxRank, spec.allSatisfy({ $0 >= 0 && $0 <= Int64(Limits.maxElements) }) else {
        throw KernelError("invalid shape \(spec)")
    }
    let target = try Shapes.broadcast(v.shape, spec.map { Int($0) })
    return try expandValue(v, to: target)
}

func tileKernel(_ v: Value, _ repeatsValue: Value) throws -> Value {
    let repeats = repeatsValue.asInt64
    guard repeats.count == v.shape.count, repeats.allSatisfy({ $0 >= 0 && $0 <= Int64(Limits.maxElements) }) else {
        throw KernelError("repeats \(repeats) do not fit shape \(v.shape)")
    }
    let out = zip(v.shape, repeats).map { $0 * Int($1) }
    _ = try Shapes.count(out)
    return try gatherValue(v, tables: (0..<out.count).map { a in (0..<out[a]).map { $0 % max(v.shape[a], 1) } })
}

func padKernel(_ v: Value, pads: [Int], mode: PadMode, value: Float, axes: [Int]?) throws -> Value {
    let r = v.shape.count
    let ax = try (axes ?? Array(0..<r)).map { try Shapes.normalizeAxis($0, rank: r) }
    guard pads.count == 2 * ax.count else { throw KernelError("pads \(pads) do not fit rank \(r)") }
    var tables: [[Int]] = v.shape.map { Array(0..<$0) }
    for (i, a) in ax.enumerated() {
        let size = v.shape[a], b = pads[i], e = pads[i + ax.count]
        guard abs(b) <= Limits.maxElements, abs(e) <= Limits.maxElements else { throw KernelError("pads \(pads) are absurd") }
        let outSize = size + b + e
        guard outSize >= 0 else { throw KernelError("pads \(pads) remove more than axis \(a) holds") }
        if mode != .constant && size == 0 && outSize > 0 { throw KernelError("cannot \(mode)-pad an empty axis") }
        tables[a] = try (0..<outSize).map { o -> Int in
            let i = o - b
            if i >= 0 && i < size { return i }
            switch mode {
            case .constant: return -1
            case .edge: return min(max(i, 0), size - 1)
            case .wrap: return ((i % size) + size) % size
            case .reflect:
                guard size > 1 else { return 0 }
                let period = 2 * (size - 1)
                var m = ((i % period) + period) % period
                if m >= size { m = period - m }
                guard m >= 0 && m < size else { throw KernelError("reflect padding out of range") }
                return m
            }
        }
    }
    return try gatherValue(v, tables: tables, fill: value)
}

/// Per-axis index lists of a Slice (starts/ends/axes/steps with ONNX clamping rules).
func sliceTables(shape: [Int], starts: [Int64], ends: [Int64], axes: [Int]?, steps: [Int64]?) throws -> [[Int]] {
    let r = shape.count
    guard starts.count == ends.count, axes?.count ?? starts.count == starts.count, steps?.count ?? starts.count == starts.count else {
        throw KernelError("starts, ends, axes and steps must have equal lengths")
    }
    var tables: [[Int]] = shape.map { Array(0..<$0) }
    for i in 0..<starts.count {
        let a = try Shapes.normalizeAxis(axes?[i] ?? i, rank: r)
        let dim = Int64(shape[a])
        let step = steps?[i] ?? 1
        guard step != 0 else { throw KernelError("slice step 0") }
        func clampIndex(_ v: Int64, forStart: Bool) -> Int64 {
            let x = v < 0 ? v + dim : v
            return step > 0 ? min(max(x, 0), dim) : min(max(x, -1), dim - 1)
        }
        let s = clampIndex(starts[i], forStart: true), e = clampIndex(ends[i], forStart: false)
        var list: [Int] = []
        var j = s
        while step > 0 ? j < e : j > e {
            list.append(Int(j))
            j += step
        }
        tables[a] = list
    }
    return tables
}

func splitKernel(_ v: Value, axis: Int, sizes: [Int]?, outputs: Int) throws -> [Value] {
    let a = try Shapes.normalizeAxis(axis, rank: v.shape.count)
    let dim = v.shape[a]
    let parts: [Int]
    if let sizes {
        guard sizes.count == outputs, sizes.reduce(0, +) == dim else { throw KernelError("split \(sizes) does not cover axis \(a) of \(v.shape)") }
        parts = sizes
    } else {
        let chunk = (dim + outputs - 1) / max(outputs, 1)
        parts = (0..<outputs).map { max(0, min(chunk, dim - $0 * chunk)) }
    }
    var start = 0
    var result: [Value] = []
    for p in parts {
        var tables: [[Int]] = v.shape.map { Array(0..<$0) }
        tables[a] = Array(start..<(start + p))
        result.append(try gatherValue(v, tables: tables))
        start += p
    }
    return result
}

func constantOfShapeKernel(_ shapeValue: Value, fill: Value) throws -> Value {
    let spec = shapeValue.asInt64
    guard spec.count <= Limits.maxRank, spec.allSatisfy({ $0 >= 0 && $0 <= Int64(Limits.maxElements) }) else {
        throw KernelError("invalid shape \(spec)")
    }
    let shape = spec.map { Int($0) }
    let n = try Shapes.count(shape)
    switch fill {
    case .float(let t): return .float(Tensor(uncheckedShape: shape, data: [Float](repeating: t.data.first ?? 0, count: n)))
    case .int64(_, let d): return .int64(shape: shape, data: [Int64](repeating: d.first ?? 0, count: n))
    }
}
