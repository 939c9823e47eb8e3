/// The operators of the original engine (nil for any other operator).
func compileCore(_ ctx: NodeContext) throws -> Op? {
    try compileLayer(ctx) ?? compileWindowed(ctx) ?? compileShaping(ctx) ?? compileValue(ctx)
}

/// Attributes old exporters still write and that change nothing.
private let legacyAttributes: Set<String> = ["consumed_inputs"]

/// Dense layers, activations, normalization, dropout and clipping (nil for any other operator).
private func compileLayer(_ ctx: NodeContext) throws -> Op? {
    let attrs = ctx.attrs
    switch ctx.opType {
    case "Gemm":
        try ctx.arity(2...3)
        try attrs.only(["alpha", "beta", "transA", "transB", "broadcast"])
        return .gemm(alpha: try attrs.float("alpha", default: 1), beta: try attrs.float("beta", default: 1),
                     transA: try attrs.bool("transA", default: false), transB: try attrs.bool("transB", default: false))
    case "MatMul":
        try ctx.arity(2...2)
        try attrs.only([])
        return .matMul
    case "Relu", "Sigmoid", "Tanh":
        try ctx.arity(1...1)
        try attrs.only(legacyAttributes)
        return ctx.opType == "Relu" ? .relu : ctx.opType == "Sigmoid" ? .sigmoid : .tanh
    case "LeakyRelu":
        try ctx.arity(1...1)
        try attrs.only(legacyAttributes.union(["alpha"]))
        return .leakyRelu(alpha: try attrs.float("alpha", default: 0.01))
    case "Softmax", "LogSoftmax":
        try ctx.arity(1...1)
        try attrs.only(["axis"])
        let isLegacy = ctx.opset < 13
        return .softmax(axis: try attrs.int("axis", default: isLegacy ? 1 : -1), log: ctx.opType == "LogSoftmax", legacy: isLegacy)
    case "BatchNormalization":
        try ctx.arity(5...5, outputs: 1...1)
        try ctx.required([0, 1, 2, 3, 4])
        try attrs.only(["epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs"])
        if try attrs.bool("training_mode", default: false) { throw attrs.fail("training_mode", "only inference (0) is supported") }
        if try !attrs.bool("spatial", default: true) { throw attrs.fail("spatial", "only spatial=1 is supported") }
        return .batchNorm(epsilon: try attrs.float("epsilon", default: 1e-5))
    case "Clip":
        if ctx.opset < 11 {
            try ctx.arity(1...1)
            try attrs.only(legacyAttributes.union(["min", "max"]))
            return .clip(min: try attrs.float("min", default: -.greatestFiniteMagnitude),
                         max: try attrs.float("max", default: .greatestFiniteMagnitude))
        }
        try ctx.arity(1...3)
        try attrs.only([])
        return .clip(min: -.infinity, max: .infinity)
    case "Dropout":
        try ctx.arity(1...3, outputs: 1...2)
        try attrs.only(["ratio", "seed", "is_test", "consumed_inputs"])
        if ctx.nIn == 3 && !ctx.node.input[2].isEmpty {
            // training_mode input: only a constant false can be honoured; it is checked at run time.
        }
        return .dropout
    default:
        return nil
    }
}

/// Convolutions and pools (nil for any other operator).
private func compileWindowed(_ ctx: NodeContext) throws -> Op? {
    let attrs = ctx.attrs
    switch ctx.opType {
    case "Conv":
        try ctx.arity(2...3)
        try ctx.required([0, 1])
        try attrs.only(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])
        return .conv(try windowConfig(attrs, ceil: false), group: try group(attrs), fusion: ConvFusion())
    case "ConvTranspose":
        try ctx.arity(2...3)
        try ctx.required([0, 1])
        try attrs.only(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides", "output_padding", "output_shape"])
        return .convTranspose(try windowConfig(attrs, ceil: false), group: try group(attrs),
                              outputPadding: try attrs.ints("output_padding"), outputShape: try attrs.ints("output_shape"))
    case "MaxPool":
        try ctx.arity(1...1, outputs: 1...1)
        try attrs.only(["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides", "storage_order"])
        if try attrs.int("storage_order", default: 0) != 0 { throw attrs.fail("storage_order", "only 0 (row major) is supported") }
        let cfg = try windowConfig(attrs, ceil: true)
        guard cfg.kernelShape != nil else { throw attrs.fail("kernel_shape", "is required") }
        return .maxPool(cfg)
    case "AveragePool":
        try ctx.arity(1...1)
        try attrs.only(["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"])
        let cfg = try windowConfig(attrs, ceil: true)
        guard cfg.kernelShape != nil else { throw attrs.fail("kernel_shape", "is required") }
        return .averagePool(cfg, countIncludePad: try attrs.bool("count_include_pad", default: false))
    case "GlobalAveragePool", "GlobalMaxPool":
        try ctx.arity(1...1)
        try attrs.only([])
        return ctx.opType == "GlobalMaxPool" ? .globalMaxPool : .globalAveragePool
    default:
        return nil
    }
}

/// Operators that reshape, join or index tensors (nil for any other operator).
private func compileShaping(_ ctx: NodeContext) throws -> Op? {
    let attrs = ctx.attrs
    switch ctx.opType {
    case "Flatten":
        try ctx.arity(1...1)
        try attrs.only(["axis"])
        return .flatten(axis: try attrs.int("axis", default: 1))
    case "Reshape":
        try attrs.only(["allowzero", "shape", "consumed_inputs"])
        if ctx.opset < 5 {
            try ctx.arity(1...1)
            guard let shape = try attrs.ints("shape") else { throw attrs.fail("shape", "is required") }
            return .reshape(allowZero: false, shape: shape.map { Int64($0) })
        }
        try ctx.arity(2...2)
        try ctx.required([0, 1])
        return .reshape(allowZero: try attrs.bool("allowzero", default: false), shape: nil)
    case "Transpose":
        try ctx.arity(1...1)
        try attrs.only(["perm"])
        return .transpose(perm: try attrs.ints("perm"))
    case "Squeeze", "Unsqueeze":
        try attrs.only(["axes"])
        let axes = try attrs.ints("axes")
        if ctx.opset >= 13 {
            try ctx.arity(ctx.opType == "Squeeze" ? 1...2 : 2...2)
            if axes != nil { throw attrs.fail("axes", "is an input, not an attribute, since opset 13") }
        } else {
            try ctx.arity(1...1)
            if ctx.opType == "Unsqueeze" && axes == nil { throw attrs.fail("axes", "is required") }
        }
        return ctx.opType == "Squeeze" ? .squeeze(axes: axes) : .unsqueeze(axes: axes)
    case "Concat":
        guard ctx.nIn >= 1, ctx.nOut == 1 else { throw ctx.unsupported("expects at least one input and one output") }
        try ctx.required(Array(0..<ctx.nIn))
        try attrs.only(["axis"])
        guard let axis = try attrs.int("axis") ?? (ctx.opset < 4 ? 1 : nil) else { throw attrs.fail("axis", "is required") }
        return .concat(axis: axis)
    case "Shape":
        try ctx.arity(1...1)
        try attrs.only(["start", "end"])
        return .shape(start: try attrs.int("start", default: 0), end: try attrs.int("end"))
    case "Gather":
        try ctx.arity(2...2)
        try ctx.required([0, 1])
        try attrs.only(["axis"])
        return .gather(axis: try attrs.int("axis", default: 0))
    default:
        return nil
    }
}

/// Constants, identity and casts (nil for any other operator).
private func compileValue(_ ctx: NodeContext) throws -> Op? {
    let attrs = ctx.attrs
    switch ctx.opType {
    case "Identity":
        try ctx.arity(1...1)
        try attrs.only([])
        return .identity
    case "Constant":
        try ctx.arity(0...0)
        guard attrs.byName.count == 1, let (key, a) = attrs.byName.first else {
            throw ctx.unsupported("expects exactly one value attribute")
        }
        switch key {
        case "value": return .constant(try decodeTensor(a.t, what: "Constant node '\(ctx.name)'"))
        case "value_float": return .constant(.float(Tensor(uncheckedShape: [], data: [a.f])))
        case "value_floats": return .constant(.float(Tensor(uncheckedShape: [a.floats.count], data: a.floats)))
        case "value_int": return .constant(.int64(shape: [], data: [a.i]))
        case "value_ints": return .constant(.int64(shape: [a.ints.count], data: a.ints))
        default: throw attrs.fail(key, "only value, value_float(s) and value_int(s) are supported")
        }
    case "Cast":
        try ctx.arity(1...1)
        try attrs.only(["to", "saturate", "round_mode"])
        guard let to = try attrs.int("to") else { throw attrs.fail("to", "is required") }
        guard castTargets.contains(to) else {
            throw attrs.fail("to", "casting to \(dataTypeName(Int32(clamping: to))) is not supported (numeric and BOOL types only)")
        }
        return .cast(to: Int32(to))
    default:
        return nil
    }
}
