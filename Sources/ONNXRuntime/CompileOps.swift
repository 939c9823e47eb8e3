/// Compilation of element-wise, shape, reduction, normalisation and resampling operators.
func compileMore(_ ctx: NodeContext) throws -> Op {
    if let op = try compileElementwise(ctx) { return op }
    if let op = try compileShapeOps(ctx) { return op }
    if let op = try compileReduceAndNorm(ctx) { return op }
    throw ctx.unsupported("operator is not implemented by GlyphPrep's ONNX engine")
}

private let binaryOps: [String: BinaryOp] = [
    "Add": .add, "Sub": .sub, "Mul": .mul, "Div": .div, "Pow": .pow, "Equal": .equal, "Greater": .greater, "Less": .less,
    "GreaterOrEqual": .greaterOrEqual, "LessOrEqual": .lessOrEqual, "And": .and, "Or": .or, "Xor": .xor,
]

private func compileElementwise(_ ctx: NodeContext) throws -> Op? {
    let attrs = ctx.attrs
    if let b = binaryOps[ctx.opType] {
        try ctx.arity(2...2)
        try attrs.only(["broadcast", "axis", "consumed_inputs"])
        // Before opset 7, broadcasting was opt-in (`broadcast`) and aligned B at `axis` of A.
        let legacy = try ctx.opset < 7 && attrs.bool("broadcast", default: false)
        return .binary(b, legacyAxis: legacy ? try attrs.int("axis", default: Int.min) : nil)
    }
    if ctx.opType == "Mod" {
        try ctx.arity(2...2)
        try attrs.only(["fmod"])
        return .binary(try attrs.bool("fmod", default: false) ? .fmod : .mod, legacyAxis: nil)
    }
    let variadic: [String: VariadicOp] = ["Sum": .sum, "Min": .min, "Max": .max, "Mean": .mean]
    if let v = variadic[ctx.opType] {
        guard ctx.nIn >= 1, ctx.nOut == 1 else { throw ctx.unsupported("expects at least one input and one output") }
        try ctx.required(Array(0..<ctx.nIn))
        try attrs.only(["consumed_inputs"])
        return .variadic(v)
    }
    let plain: [String: UnaryOp] = [
        "Neg": .neg, "Abs": .abs, "Exp": .exp, "Log": .log, "Sqrt": .sqrt, "Reciprocal": .reciprocal, "Floor": .floor,
        "Ceil": .ceil, "Round": .round, "Sign": .sign, "Erf": .erf, "Softplus": .softplus, "Softsign": .softsign,
        "Not": .not, "Mish": .mish, "HardSwish": .hardSwish,
    ]
    let unary: UnaryOp
    switch ctx.opType {
    case let op where plain[op] != nil:
        try attrs.only(["consumed_inputs"])
        guard let u = plain[op] else { return nil }
        unary = u
    case "Elu":
        try attrs.only(["alpha", "consumed_inputs"])
        unary = .elu(alpha: try attrs.float("alpha", default: 1))
    case "Celu":
        try attrs.only(["alpha"])
        unary = .celu(alpha: try attrs.float("alpha", default: 1))
    case "Selu":
        try attrs.only(["alpha", "gamma", "consumed_inputs"])
        unary = .selu(alpha: try attrs.float("alpha", default: 1.67326319217681884765625),
                      gamma: try attrs.float("gamma", default: 1.05070102214813232421875))
    case "HardSigmoid":
        try attrs.only(["alpha", "beta", "consumed_inputs"])
        unary = .hardSigmoid(alpha: try attrs.float("alpha", default: 0.2), beta: try attrs.float("beta", default: 0.5))
    case "ThresholdedRelu":
        try attrs.only(["alpha"])
        unary = .thresholdedRelu(alpha: try attrs.float("alpha", default: 1))
    case "Shrink":
        try attrs.only(["lambd", "bias"])
        unary = .shrink(lambd: try attrs.float("lambd", default: 0.5), bias: try attrs.float("bias", default: 0))
    case "Gelu":
        try attrs.only(["approximate"])
        switch try attrs.string("approximate") ?? "none" {
        case "none": unary = .gelu(tanh: false)
        case "tanh": unary = .gelu(tanh: true)
        case let other: throw attrs.fail("approximate", "unknown value '\(other)'")
        }
    case "PRelu":
        try ctx.arity(2...2)
        try attrs.only(["consumed_inputs"])
        return .prelu(legacy: ctx.opset < 7)
    case "Where":
        try ctx.arity(3...3)
        try ctx.required([0, 1, 2])
        try attrs.only([])
        return .whereOp
    default:
        return nil
    }
    try ctx.arity(1...1)
    return .unary(unary)
}

private func compileShapeOps(_ ctx: NodeContext) throws -> Op? {
    let attrs = ctx.attrs
    switch ctx.opType {
    case "ConstantOfShape":
        try ctx.arity(1...1)
        try attrs.only(["value"])
        guard let a = attrs.byName["value"] else { return .constantOfShape(.float(Tensor(uncheckedShape: [1], data: [0]))) }
        let v = try decodeTensor(a.t, what: "value of ConstantOfShape node '\(ctx.name)'")
        guard v.count == 1 else { throw attrs.fail("value", "must hold one element, holds \(v.count)") }
        return .constantOfShape(v)
    case "Split":
        guard ctx.nIn >= 1, ctx.nIn <= 2, ctx.nOut >= 1 else { throw ctx.unsupported("expects 1...2 inputs and at least one output") }
        try attrs.only(["axis", "split", "num_outputs"])
        let split = try attrs.ints("split")
        if let split, split.count != ctx.nOut || split.contains(where: { $0 < 0 }) {
            throw attrs.fail("split", "\(split) does not give \(ctx.nOut) non-negative sizes")
        }
        if let n = try attrs.int("num_outputs"), n != ctx.nOut { throw attrs.fail("num_outputs", "is \(n) but the node has \(ctx.nOut) outputs") }
        return .split(axis: try attrs.int("axis", default: 0), split: split)
    case "Slice":
        if ctx.opset < 10 {
            try ctx.arity(1...1)
            try attrs.only(["starts", "ends", "axes"])
            guard let starts = try attrs.ints("starts"), let ends = try attrs.ints("ends"), starts.count == ends.count else {
                throw attrs.fail("starts", "starts and ends are required and must have equal lengths")
            }
            let axes = try attrs.ints("axes")
            if let axes, axes.count != starts.count { throw attrs.fail("axes", "must have as many entries as starts") }
            return .slice(starts: starts, ends: ends, axes: axes)
        }
        try ctx.arity(3...5)
        try ctx.required([0, 1, 2])
        try attrs.only([])
        return .slice(starts: nil, ends: nil, axes: nil)
    case "Pad":
        try attrs.only(["mode", "pads", "value"])
        let mode: PadMode
        switch try attrs.string("mode") ?? "constant" {
        case "constant": mode = .constant
        case "reflect": mode = .reflect
        case "edge": mode = .edge
        case "wrap": mode = .wrap
        case let other: throw attrs.fail("mode", "unknown value '\(other)'")
        }
        if ctx.opset < 11 {
            try ctx.arity(1...1)
            guard let pads = try attrs.ints("pads") else { throw attrs.fail("pads", "is required") }
            return .pad(mode, pads: pads, value: try attrs.float("value", default: 0))
        }
        try ctx.arity(2...4)
        try ctx.required([0, 1])
        return .pad(mode, pads: nil, value: 0)
    case "Tile", "Expand":
        try ctx.arity(2...2)
        try ctx.required([0, 1])
        try attrs.only([])
        return ctx.opType == "Tile" ? .tile : .expand
    case "Resize", "Upsample":
        return .resize(try resizeConfig(ctx))
    default:
        return nil
    }
}

private func compileReduceAndNorm(_ ctx: NodeContext) throws -> Op? {
    let attrs = ctx.attrs
    let reductions: [String: (ReduceOp, axesInputFrom: Int)] = [
        "ReduceSum": (.sum, 13), "ReduceMean": (.mean, 18), "ReduceMax": (.max, 18), "ReduceMin": (.min, 18),
        "ReduceProd": (.prod, 18), "ReduceSumSquare": (.sumSquare, 18), "ReduceL1": (.l1, 18), "ReduceL2": (.l2, 18),
        "ReduceLogSum": (.logSum, 18), "ReduceLogSumExp": (.logSumExp, 18),
    ]
    switch ctx.opType {
    case let op where reductions[op] != nil:
        guard let (r, from) = reductions[op] else { return nil }
        let axesInput = ctx.opset >= from
        try ctx.arity(axesInput ? 1...2 : 1...1)
        try attrs.only(axesInput ? ["keepdims", "noop_with_empty_axes"] : ["keepdims", "axes"])
        return .reduce(r, axes: axesInput ? nil : try attrs.ints("axes"), keepDims: try attrs.bool("keepdims", default: true),
                       noopWithEmptyAxes: try attrs.bool("noop_with_empty_axes", default: false))
    case "LRN":
        try ctx.arity(1...1)
        try attrs.only(["alpha", "beta", "bias", "size"])
        guard let size = try attrs.int("size"), size >= 1, size <= 4096 else { throw attrs.fail("size", "is required and must be positive") }
        return .lrn(size: size, alpha: try attrs.float("alpha", default: 1e-4), beta: try attrs.float("beta", default: 0.75),
                    bias: try attrs.float("bias", default: 1))
    case "InstanceNormalization":
        try ctx.arity(3...3)
        try ctx.required([0, 1, 2])
        try attrs.only(["epsilon", "consumed_inputs"])
        return .instanceNorm(epsilon: try attrs.float("epsilon", default: 1e-5))
    default:
        return nil
    }
}

private func resizeConfig(_ ctx: NodeContext) throws -> ResizeConfig {
    let attrs = ctx.attrs
    let upsample = ctx.opType == "Upsample"
    let legacy = upsample || ctx.opset < 11
    var cfg = ResizeConfig(mode: .nearest, coordinates: legacy ? .asymmetric : .halfPixel, nearest: legacy ? .floor : .roundPreferFloor,
                           legacyScales: nil, legacy: legacy, axes: nil, extrapolation: 0)
    switch try attrs.string("mode") ?? "nearest" {
    case "nearest": cfg.mode = .nearest
    case "linear", "bilinear": cfg.mode = .linear
    case let other: throw attrs.fail("mode", "'\(other)' is not supported (nearest and linear are)")
    }
    if legacy {
        try attrs.only(["mode", "scales"])
        if upsample && ctx.opset < 9 {
            try ctx.arity(1...1)
            guard let scales = try attrs.floats("scales") else { throw attrs.fail("scales", "is required") }
            cfg.legacyScales = scales
        } else {
            try ctx.arity(2...2)
            try ctx.required([0, 1])
        }
        return cfg
    }
    try ctx.arity(1...4)
    try attrs.only(["mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside",
                    "extrapolation_value", "antialias", "axes", "keep_aspect_ratio_policy"])
    if try attrs.bool("exclude_outside", default: false) { throw attrs.fail("exclude_outside", "only 0 is supported") }
    if try attrs.bool("antialias", default: false) { throw attrs.fail("antialias", "only 0 is supported") }
    if let p = try attrs.string("keep_aspect_ratio_policy"), p != "stretch" { throw attrs.fail("keep_aspect_ratio_policy", "only stretch is supported") }
    switch try attrs.string("coordinate_transformation_mode") ?? "half_pixel" {
    case "half_pixel": cfg.coordinates = .halfPixel
    case "pytorch_half_pixel": cfg.coordinates = .pytorchHalfPixel
    case "align_corners": cfg.coordinates = .alignCorners
    case "asymmetric": cfg.coordinates = .asymmetric
    case "tf_half_pixel_for_nn": cfg.coordinates = .tfHalfPixelForNN
    case let other: throw attrs.fail("coordinate_transformation_mode", "'\(other)' is not supported")
    }
    switch try attrs.string("nearest_mode") ?? "round_prefer_floor" {
    case "round_prefer_floor": cfg.nearest = .roundPreferFloor
    case "round_prefer_ceil": cfg.nearest = .roundPreferCeil
    case "floor": cfg.nearest = .floor
    case "ceil": cfg.nearest = .ceil
    case let other: throw attrs.fail("nearest_mode", "unknown value '\(other)'")
    }
    cfg.axes = try attrs.ints("axes")
    cfg.extrapolation = try attrs.float("extrapolation_value", default: 0)
    return cfg
}
