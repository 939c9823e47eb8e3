/// Execution of the operators added after the original engine (see ``execute(_:_:)`` for the rest).
func executeMore(_ node: CompiledNode, _ args: [Value?], scratch: Scratch) throws -> [Value] {
    switch node.op {
    case .addRelu:
        let a = try arg(args, 0), b = try arg(args, 1)
        if case .float(let x) = a, case .float(let y) = b {
            let (s, d) = try broadcastBinary(x.data, x.shape, y.data, y.shape) { max($0 + $1, 0) }
            return [.float(Tensor(uncheckedShape: s, data: d))]
        }
        switch try binaryKernel(.add, a, b, legacyAxis: nil) {
        case .float(let t): return [mapFloat(t) { max($0, 0) }]
        case .int64(let s, let d): return [.int64(shape: s, data: d.map { max($0, 0) })]
        }
    case .unary(let op):
        return [unaryKernel(op, try arg(args, 0))]
    case .variadic(let op):
        return [try variadicKernel(op, try (0..<args.count).map { try arg(args, $0) })]
    case .prelu(let legacy):
        return [try preluKernel(try floatArg(args, 0), try floatArg(args, 1), legacy: legacy)]
    case .whereOp:
        return [try whereKernel(try arg(args, 0), try arg(args, 1), try arg(args, 2))]
    case .conv(let cfg, let group, let fusion):
        return [.float(try convKernel(args, cfg: cfg, group: group, fusion: fusion, scratch: scratch))]
    case .convTranspose(let cfg, let group, let outputPadding, let outputShape):
        return [.float(try convTranspose(try floatArg(args, 0), try floatArg(args, 1), args.count > 2 ? args[2]?.asFloatTensor : nil,
                                         cfg: cfg, group: group, outputPadding: outputPadding, outputShape: outputShape))]
    case .maxPool(let cfg):
        return [.float(try pool(try floatArg(args, 0), cfg: cfg, isMax: true, countIncludePad: false))]
    case .averagePool(let cfg, let countIncludePad):
        return [.float(try pool(try floatArg(args, 0), cfg: cfg, isMax: false, countIncludePad: countIncludePad))]
    case .globalMaxPool:
        return [.float(try globalPool(try floatArg(args, 0), isMax: true))]
    case .globalAveragePool:
        return [.float(try globalPool(try floatArg(args, 0), isMax: false))]
    case .lrn(let size, let alpha, let beta, let bias):
        return [.float(try lrnKernel(try floatArg(args, 0), size: size, alpha: alpha, beta: beta, bias: bias))]
    case .instanceNorm(let epsilon):
        return [.float(try instanceNormKernel(try floatArg(args, 0), try floatArg(args, 1), try floatArg(args, 2), epsilon: epsilon))]
    case .reduce(let op, let axesAttr, let keepDims, let noop):
        let axes = try axesAttr ?? (args.count > 1 ? args[1].map { try intList($0) } : nil)
        return [try reduceKernel(op, try arg(args, 0), axes: axes, keepDims: keepDims, noopWithEmptyAxes: noop)]
    case .constantOfShape(let fill):
        return [try constantOfShapeKernel(try arg(args, 0), fill: fill)]
    case .split(let axis, let sizesAttr):
        let sizes = try sizesAttr ?? (args.count > 1 ? args[1].map { try intList($0) } : nil)
        return try splitKernel(try arg(args, 0), axis: axis, sizes: sizes, outputs: node.outputs.count)
    case .slice(let starts, let ends, let axes):
        let v = try arg(args, 0)
        let tables: [[Int]]
        if let starts, let ends {
            tables = try sliceTables(shape: v.shape, starts: starts.map { Int64($0) }, ends: ends.map { Int64($0) }, axes: axes, steps: nil)
        } else {
            tables = try sliceTables(shape: v.shape, starts: try arg(args, 1).asInt64, ends: try arg(args, 2).asInt64,
                                     axes: try args.count > 3 ? args[3].map { try intList($0) } : nil,
                                     steps: args.count > 4 ? args[4]?.asInt64 : nil)
        }
        return [try gatherValue(v, tables: tables)]
    case .pad(let mode, let padsAttr, let valueAttr):
        let pads = try padsAttr ?? intList(try arg(args, 1))
        var value = valueAttr
        if args.count > 2, let c = args[2] {
            guard c.count <= 1 else { throw KernelError("constant_value must be a scalar") }
            value = c.asFloatTensor.data.first ?? 0
        }
        let axes = try args.count > 3 ? args[3].map { try intList($0) } : nil
        return [try padKernel(try arg(args, 0), pads: pads, mode: mode, value: value, axes: axes)]
    case .tile:
        return [try tileKernel(try arg(args, 0), try arg(args, 1))]
    case .expand:
        return [try expandKernel(try arg(args, 0), try arg(args, 1))]
    case .resize(let cfg):
        return [try resizeKernel(cfg, args)]
    default:
        throw KernelError("operator has no kernel")
    }
}

/// An int64 list argument (axes, pads, split sizes), bounded in length and magnitude.
func intList(_ v: Value) throws -> [Int] {
    guard v.count <= 64 else { throw KernelError("list of \(v.count) values is too long") }
    return try v.asInt64.map {
        guard $0 >= -(1 << 40), $0 <= 1 << 40 else { throw KernelError("value \($0) is out of range") }
        return Int($0)
    }
}
