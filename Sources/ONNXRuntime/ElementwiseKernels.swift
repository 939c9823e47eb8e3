import Foundation

/// Aligns B's shape for pre-opset-7 broadcasting (`broadcast=1`, optional `axis`): B's dimensions
/// start at `axis` of A (default: trailing) and are padded with 1s to A's rank.
private func legacyShape(_ b: [Int], toRankOf a: [Int], axis: Int) throws -> [Int] {
    let start = axis == Int.min ? a.count - b.count : (axis < 0 ? axis + a.count : axis)
    guard start >= 0, start + b.count <= a.count else { throw KernelError("legacy broadcast of \(b) at axis \(axis) into \(a)") }
    return b + [Int](repeating: 1, count: a.count - start - b.count)
}

private func floatFunction(_ op: BinaryOp) -> (Float, Float) -> Float {
    switch op {
    case .add: return (+)
    case .sub: return (-)
    case .mul: return (*)
    case .div: return (/)
    case .pow: return { Foundation.pow($0, $1) }
    case .min: return { $0.isNaN || $1.isNaN ? .nan : Swift.min($0, $1) }
    case .max: return { $0.isNaN || $1.isNaN ? .nan : Swift.max($0, $1) }
    case .equal, .greater, .less, .greaterOrEqual, .lessOrEqual, .and, .or, .xor: return truth(op)
    case .fmod: return { fmodf($0, $1) }
    case .mod: return { a, b in let r = fmodf(a, b); return r != 0 && (r < 0) != (b < 0) ? r + b : r }
    }
}

/// Comparisons and logic in any numeric type: 1 for true, 0 for false.
private func truth<T: Numeric & Comparable>(_ op: BinaryOp) -> (T, T) -> T {
    let test: (T, T) -> Bool
    switch op {
    case .equal: test = (==)
    case .greater: test = (>)
    case .less: test = (<)
    case .greaterOrEqual: test = (>=)
    case .lessOrEqual: test = (<=)
    case .and: test = { $0 != 0 && $1 != 0 }
    case .or: test = { $0 != 0 || $1 != 0 }
    case .xor: test = { ($0 != 0) != ($1 != 0) }
    default: return { _, _ in 0 }
    }
    return { test($0, $1) ? 1 : 0 }
}

private func intFunction(_ op: BinaryOp) -> (Int64, Int64) -> Int64 {
    switch op {
    case .add: return { $0 &+ $1 }
    case .sub: return { $0 &- $1 }
    case .mul: return { $0 &* $1 }
    case .div: return { $1 == 0 ? 0 : $0.dividedReportingOverflow(by: $1).partialValue }
    case .pow: return { a, b in b < 0 ? 0 : (0..<Swift.min(b, 64)).reduce(Int64(1)) { r, _ in r &* a } }
    case .min: return { Swift.min($0, $1) }
    case .max: return { Swift.max($0, $1) }
    case .equal, .greater, .less, .greaterOrEqual, .lessOrEqual, .and, .or, .xor: return truth(op)
    case .fmod: return { $1 == 0 ? 0 : $0.remainderReportingOverflow(dividingBy: $1).partialValue }
    case .mod: return { a, b in
        guard b != 0 else { return 0 }
        let r = a.remainderReportingOverflow(dividingBy: b).partialValue
        return r != 0 && (r < 0) != (b < 0) ? r &+ b : r
    }
    }
}

func binaryKernel(_ op: BinaryOp, _ a: Value, _ b: Value, legacyAxis: Int?) throws -> Value {
    let bShape = try legacyAxis.map { try legacyShape(b.shape, toRankOf: a.shape, axis: $0) } ?? b.shape
    if case .int64(let sa, let da) = a, case .int64(_, let db) = b {
        let (s, d) = try broadcastBinary(da, sa, db, bShape, intFunction(op))
        return .int64(shape: s, data: d)
    }
    let ta = a.asFloatTensor, tb = b.asFloatTensor
    let (s, d): ([Int], [Float])
    switch op {
    case .add: (s, d) = try broadcastBinary(ta.data, ta.shape, tb.data, bShape, +)
    case .sub: (s, d) = try broadcastBinary(ta.data, ta.shape, tb.data, bShape, -)
    case .mul: (s, d) = try broadcastBinary(ta.data, ta.shape, tb.data, bShape, *)
    case .div: (s, d) = try broadcastBinary(ta.data, ta.shape, tb.data, bShape, /)
    default: (s, d) = try broadcastBinary(ta.data, ta.shape, tb.data, bShape, floatFunction(op))
    }
    if op.isPredicate { return .int64(shape: s, data: d.map { $0 != 0 ? 1 : 0 }) }
    return .float(Tensor(uncheckedShape: s, data: d))
}

/// Sum / Min / Max / Mean of any number of broadcastable inputs.
func variadicKernel(_ op: VariadicOp, _ values: [Value]) throws -> Value {
    guard var acc = values.first else { throw KernelError("no inputs") }
    let bin: BinaryOp = op == .min ? .min : op == .max ? .max : .add
    for v in values.dropFirst() { acc = try binaryKernel(bin, acc, v, legacyAxis: nil) }
    if op == .mean {
        let t = acc.asFloatTensor
        let inv = 1 / Float(values.count)
        return mapFloat(t) { $0 * inv }
    }
    return acc
}

private func erf(_ x: Float) -> Float { Float(Foundation.erf(Double(x))) }

func unaryKernel(_ op: UnaryOp, _ v: Value) -> Value {
    if case .int64(let s, let d) = v {
        switch op {
        case .neg: return .int64(shape: s, data: d.map { 0 &- $0 })
        case .abs: return .int64(shape: s, data: d.map { $0 == .min ? $0 : Swift.abs($0) })
        case .sign: return .int64(shape: s, data: d.map { $0.signum() })
        case .not: return .int64(shape: s, data: d.map { $0 == 0 ? 1 : 0 })
        case .floor, .ceil, .round: return v
        default: break
        }
    }
    let t = v.asFloatTensor
    switch op {
    case .neg: return mapFloat(t) { -$0 }
    case .abs: return mapFloat(t) { Swift.abs($0) }
    case .exp: return mapFloat(t) { Foundation.exp($0) }
    case .log: return mapFloat(t) { Foundation.log($0) }
    case .sqrt: return mapFloat(t) { $0.squareRoot() }
    case .reciprocal: return mapFloat(t) { 1 / $0 }
    case .floor: return mapFloat(t) { $0.rounded(.down) }
    case .ceil: return mapFloat(t) { $0.rounded(.up) }
    case .round: return mapFloat(t) { $0.rounded(.toNearestOrEven) }
    case .sign: return mapFloat(t) { $0 > 0 ? 1 : $0 < 0 ? -1 : $0 }
    case .erf: return mapFloat(t) { erf($0) }
    case .softplus: return mapFloat(t) { $0 > 20 ? $0 : Foundation.log1p(Foundation.exp($0)) }
    case .softsign: return mapFloat(t) { $0 / (1 + Swift.abs($0)) }
    case .not: return .int64(shape: t.shape, data: t.data.map { $0 == 0 ? 1 : 0 })
    case .mish: return mapFloat(t) { $0 * Foundation.tanh($0 > 20 ? $0 : Foundation.log1p(Foundation.exp($0))) }
    case .hardSwish: return mapFloat(t) { $0 * Swift.max(0, Swift.min(1, $0 / 6 + 0.5)) }
    case .elu(let alpha): return mapFloat(t) { $0 >= 0 ? $0 : alpha * (Foundation.exp($0) - 1) }
    case .celu(let alpha): return mapFloat(t) { Swift.max(0, $0) + Swift.min(0, alpha * (Foundation.exp($0 / alpha) - 1)) }
    case .selu(let alpha, let gamma): return mapFloat(t) { $0 > 0 ? gamma * $0 : gamma * alpha * (Foundation.exp($0) - 1) }
    case .hardSigmoid(let alpha, let beta): return mapFloat(t) { Swift.max(0, Swift.min(1, alpha * $0 + beta)) }
    case .thresholdedRelu(let alpha): return mapFloat(t) { $0 > alpha ? $0 : 0 }
    case .shrink(let lambd, let bias): return mapFloat(t) { $0 < -lambd ? $0 + bias : $0 > lambd ? $0 - bias : 0 }
    case .gelu(let approx):
        if approx {
            let c = Float((2 / Double.pi).squareRoot())
            return mapFloat(t) { 0.5 * $0 * (1 + Foundation.tanh(c * ($0 + 0.044715 * $0 * $0 * $0))) }
        }
        return mapFloat(t) { 0.5 * $0 * (1 + erf($0 / Float(2).squareRoot())) }
    }
}

/// PRelu; a 1-D slope of C elements applies per channel (axis 1) before opset 7, and later too when it
/// does not broadcast otherwise (what opset-6 exports upgraded by onnx.version_converter contain).
func preluKernel(_ x: Tensor, _ slope: Tensor, legacy: Bool) throws -> Value {
    var shape = slope.shape
    let perChannel = legacy || (try? Shapes.broadcast(x.shape, slope.shape)) == nil
    if perChannel && x.rank >= 2 && slope.rank == 1 && slope.count == x.shape[1] && slope.count != 1 {
        shape = [slope.count] + [Int](repeating: 1, count: x.rank - 2)
    }
    let (s, d) = try broadcastBinary(x.data, x.shape, slope.data, shape) { $0 >= 0 ? $0 : $0 * $1 }
    return .float(Tensor(uncheckedShape: s, data: d))
}

func whereKernel(_ cond: Value, _ a: Value, _ b: Value) throws -> Value {
    let shape = try Shapes.broadcast(try Shapes.broadcast(cond.shape, a.shape), b.shape)
    let c = try expandValue(cond, to: shape).asInt64
    if case .int64 = a, case .int64 = b {
        let x = try expandValue(a, to: shape).asInt64, y = try expandValue(b, to: shape).asInt64
        return .int64(shape: shape, data: (0..<c.count).map { c[$0] != 0 ? x[$0] : y[$0] })
    }
    let x = try expandValue(a, to: shape).asFloatTensor.data, y = try expandValue(b, to: shape).asFloatTensor.data
    return .float(Tensor(uncheckedShape: shape, data: (0..<c.count).map { c[$0] != 0 ? x[$0] : y[$0] }))
}

/// Cast: integer targets truncate toward zero and wrap to the target's width; BOOL is x != 0; float targets keep float32.
func castValue(_ v: Value, to: Int32) -> Value {
    let ints: [Int64]
    switch v {
    case .int64(_, let d): ints = d
    case .float(let t):
        switch to {
        case 1, 11:
            return v
        case 10:
            return mapFloat(t, roundToHalf)
        case 16:
            return mapFloat(t, roundToBFloat16)
        case 9:
            return .int64(shape: t.shape, data: t.data.map { $0 != 0 ? 1 : 0 })
        default:
            ints = t.data.map { $0.isFinite ? ($0 >= 9.2e18 ? .max : $0 <= -9.2e18 ? .min : Int64($0)) : 0 }
        }
    }
    let wrapped: [Int64]
    switch to {
    case 1, 11: return .float(Tensor(uncheckedShape: v.shape, data: ints.map { Float($0) }))
    case 10: return .float(Tensor(uncheckedShape: v.shape, data: ints.map { roundToHalf(Float($0)) }))
    case 16: return .float(Tensor(uncheckedShape: v.shape, data: ints.map { roundToBFloat16(Float($0)) }))
    case 2: wrapped = ints.map { Int64(UInt8(truncatingIfNeeded: $0)) }
    case 3: wrapped = ints.map { Int64(Int8(truncatingIfNeeded: $0)) }
    case 4: wrapped = ints.map { Int64(UInt16(truncatingIfNeeded: $0)) }
    case 5: wrapped = ints.map { Int64(Int16(truncatingIfNeeded: $0)) }
    case 6: wrapped = ints.map { Int64(Int32(truncatingIfNeeded: $0)) }
    case 12: wrapped = ints.map { Int64(UInt32(truncatingIfNeeded: $0)) }
    case 9: wrapped = ints.map { $0 != 0 ? 1 : 0 }
    default: wrapped = ints
    }
    return .int64(shape: v.shape, data: wrapped)
}

/// `x` rounded (to nearest even) to IEEE half precision, as a Float.
func roundToHalf(_ x: Float) -> Float {
    guard x.isFinite, x != 0 else { return x }
    let quantum = abs(x) < 0x1p-14 ? Float(0x1p-24) : Float(sign: .plus, exponent: x.exponent - 10, significand: 1)
    let r = (x / quantum).rounded(.toNearestOrEven) * quantum
    return abs(r) > 65504 ? (r < 0 ? -.infinity : .infinity) : r
}

/// `x` rounded (to nearest even) to bfloat16, as a Float.
func roundToBFloat16(_ x: Float) -> Float {
    guard !x.isNaN else { return x }
    let bits = x.bitPattern
    let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
    return Float(bitPattern: rounded & 0xFFFF_0000)
}
