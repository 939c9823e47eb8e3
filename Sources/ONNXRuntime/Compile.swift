/// Padding policy of Conv and pooling operators.
enum AutoPad: Sendable {
    case explicit, sameUpper, sameLower, valid
}

/// Spatial configuration shared by Conv, ConvTranspose, MaxPool and AveragePool, for any number of
/// spatial axes (1-D, 2-D, 3-D, …). Missing lists default at run time from the input's rank.
struct WindowConfig: Sendable {
    var kernelShape: [Int]?
    var strides: [Int]?
    var pads: [Int]?  // [begin_1 … begin_d, end_1 … end_d]
    var dilations: [Int]?
    var autoPad: AutoPad
    var ceilMode: Bool
}

enum BinaryOp: Sendable {
    case add, sub, mul, div, pow, min, max, equal, greater, less, greaterOrEqual, lessOrEqual, and, or, xor, mod, fmod

    /// Comparisons and logical operators produce booleans (stored as int64 0/1).
    var isPredicate: Bool {
        switch self {
        case .equal, .greater, .less, .greaterOrEqual, .lessOrEqual, .and, .or, .xor: return true
        default: return false
        }
    }
}

enum UnaryOp: Sendable {
    case neg, abs, exp, log, sqrt, reciprocal, floor, ceil, round, sign, erf, softplus, softsign, not, mish, hardSwish
    case elu(alpha: Float)
    case selu(alpha: Float, gamma: Float)
    case hardSigmoid(alpha: Float, beta: Float)
    case shrink(lambd: Float, bias: Float)
    case gelu(tanh: Bool)
    case thresholdedRelu(alpha: Float)
    case celu(alpha: Float)
}

enum VariadicOp: Sendable { case sum, min, max, mean }

enum ReduceOp: Sendable { case sum, mean, max, min, prod, sumSquare, l1, l2, logSum, logSumExp }

enum PadMode: Sendable { case constant, reflect, edge, wrap }

/// Resize / Upsample settings.
struct ResizeConfig: Sendable {
    enum Mode: Sendable { case nearest, linear }
    enum Coordinates: Sendable { case halfPixel, pytorchHalfPixel, alignCorners, asymmetric, tfHalfPixelForNN }
    enum Nearest: Sendable { case roundPreferFloor, roundPreferCeil, floor, ceil }
    var mode: Mode
    var coordinates: Coordinates
    var nearest: Nearest
    /// Upsample-7 and Resize-10 style: scales from an attribute (Upsample-7) or input 1.
    var legacyScales: [Float]?
    var legacy: Bool
    var axes: [Int]?
    var extrapolation: Float
}

/// An operator with its attributes parsed and validated at load time.
enum Op: Sendable {
    case gemm(alpha: Float, beta: Float, transA: Bool, transB: Bool)
    case matMul
    case binary(BinaryOp, legacyAxis: Int?)
    /// Add followed by Relu (fused at load time).
    case addRelu
    case unary(UnaryOp)
    case variadic(VariadicOp)
    case relu
    case leakyRelu(alpha: Float)
    case prelu(legacy: Bool)
    case sigmoid
    case tanh
    case softmax(axis: Int, log: Bool, legacy: Bool)
    case conv(WindowConfig, group: Int, relu: Bool)
    case convTranspose(WindowConfig, group: Int, outputPadding: [Int]?, outputShape: [Int]?)
    case maxPool(WindowConfig)
    case averagePool(WindowConfig, countIncludePad: Bool)
    case globalAveragePool
    case globalMaxPool
    case batchNorm(epsilon: Float)
    case instanceNorm(epsilon: Float)
    case lrn(size: Int, alpha: Float, beta: Float, bias: Float)
    case flatten(axis: Int)
    case reshape(allowZero: Bool, shape: [Int64]?)
    case transpose(perm: [Int]?)
    case squeeze(axes: [Int]?)
    case unsqueeze(axes: [Int]?)
    case concat(axis: Int)
    case split(axis: Int, split: [Int]?)
    case slice(starts: [Int]?, ends: [Int]?, axes: [Int]?)
    case pad(PadMode, pads: [Int]?, value: Float)
    case tile
    case expand
    case whereOp
    case reduce(ReduceOp, axes: [Int]?, keepDims: Bool, noopWithEmptyAxes: Bool)
    case resize(ResizeConfig)
    case clip(min: Float, max: Float)
    case identity
    case dropout
    case constant(Value)
    case constantOfShape(Value)
    case cast(to: Int32)
    case shape(start: Int, end: Int?)
    case gather(axis: Int)
}

struct CompiledNode: Sendable {
    let name: String
    let opType: String
    let inputs: [String]
    let outputs: [String]
    let op: Op
}

/// One node being compiled: its proto, display name, opset and which of its outputs the graph reads.
struct NodeContext {
    let node: Onnx_NodeProto
    let name: String
    let opset: Int
    let attrs: Attributes
    /// Number of inputs.
    let nIn: Int
    /// Number of outputs up to the last one that is read (later optional outputs are ignored).
    let nOut: Int

    var opType: String { node.opType }

    func unsupported(_ detail: String) -> ONNXError {
        .unsupportedOperator(node: name, opType: node.opType, detail: detail)
    }

    func arity(_ inputs: ClosedRange<Int>, outputs: ClosedRange<Int> = 1...1) throws {
        guard inputs.contains(nIn) else {
            throw unsupported("expects \(inputs.lowerBound)...\(inputs.upperBound) inputs, has \(nIn)")
        }
        guard outputs.contains(nOut) else {
            throw unsupported("expects \(outputs.lowerBound)...\(outputs.upperBound) used outputs, has \(nOut)")
        }
    }

    func required(_ indices: [Int]) throws {
        for i in indices where i < nIn && node.input[i].isEmpty {
            throw unsupported("input \(i) is required")
        }
    }

    /// The input at `index` when present and non-empty.
    func hasInput(_ index: Int) -> Bool { index < nIn && !node.input[index].isEmpty }
}

/// Validates one node (operator version, domain, arity, attributes) and compiles it to an ``Op``.
/// `used` holds every value name read by a node or exported as a graph output; a node's trailing
/// outputs outside it are optional outputs nobody reads, and are ignored.
func compileNode(_ node: Onnx_NodeProto, name: String, opset: Int, used: Set<String>) throws -> CompiledNode {
    guard node.domain.isEmpty || node.domain == "ai.onnx" else {
        throw unsupported(node, name, "custom domain '\(node.domain)' is not supported")
    }
    try OpsetTable.check(node, name: name, opset: opset)
    var byName: [String: Onnx_AttributeProto] = [:]
    for a in node.attribute {
        if !a.refAttrName.isEmpty {
            throw ONNXError.unsupportedAttribute(node: name, opType: node.opType, attribute: a.name, detail: "attribute references are not supported")
        }
        byName[a.name] = a
    }
    var nOut = node.output.count
    if node.opType != "Split" {
        while nOut > 1 && !used.contains(node.output[nOut - 1]) { nOut -= 1 }
    }
    let ctx = NodeContext(node: node, name: name, opset: opset, attrs: Attributes(node: name, opType: node.opType, byName: byName),
                          nIn: node.input.count, nOut: nOut)
    let op = try compileCore(ctx) ?? compileMore(ctx)
    return CompiledNode(name: name, opType: node.opType, inputs: node.input, outputs: Array(node.output.prefix(nOut)), op: op)
}

/// The operators of the original engine (nil for any other operator).
private func compileCore(_ ctx: NodeContext) throws -> Op? {
    let attrs = ctx.attrs
    let legacy: Set<String> = ["consumed_inputs"]
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
        try attrs.only(legacy)
        return ctx.opType == "Relu" ? .relu : ctx.opType == "Sigmoid" ? .sigmoid : .tanh
    case "LeakyRelu":
        try ctx.arity(1...1)
        try attrs.only(legacy.union(["alpha"]))
        return .leakyRelu(alpha: try attrs.float("alpha", default: 0.01))
    case "Softmax", "LogSoftmax":
        try ctx.arity(1...1)
        try attrs.only(["axis"])
        let isLegacy = ctx.opset < 13
        return .softmax(axis: try attrs.int("axis", default: isLegacy ? 1 : -1), log: ctx.opType == "LogSoftmax", legacy: isLegacy)
    case "Conv":
        try ctx.arity(2...3)
        try ctx.required([0, 1])
        try attrs.only(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])
        return .conv(try windowConfig(attrs, ceil: false), group: try group(attrs), relu: false)
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
    case "BatchNormalization":
        try ctx.arity(5...5, outputs: 1...1)
        try ctx.required([0, 1, 2, 3, 4])
        try attrs.only(["epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs"])
        if try attrs.bool("training_mode", default: false) { throw attrs.fail("training_mode", "only inference (0) is supported") }
        if try !attrs.bool("spatial", default: true) { throw attrs.fail("spatial", "only spatial=1 is supported") }
        return .batchNorm(epsilon: try attrs.float("epsilon", default: 1e-5))
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
    case "Clip":
        if ctx.opset < 11 {
            try ctx.arity(1...1)
            try attrs.only(legacy.union(["min", "max"]))
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

/// Element types Cast converts to: FLOAT, UINT8, INT8, UINT16, INT16, INT32, INT64, BOOL, FLOAT16, DOUBLE, UINT32, UINT64, BFLOAT16.
let castTargets: Set<Int> = [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16]

private func group(_ attrs: Attributes) throws -> Int {
    let group = try attrs.int("group", default: 1)
    guard group >= 1 else { throw attrs.fail("group", "must be >= 1, got \(group)") }
    return group
}

func windowConfig(_ attrs: Attributes, ceil: Bool) throws -> WindowConfig {
    let kernel = try attrs.ints("kernel_shape")
    if let kernel {
        guard (1...Limits.maxRank - 2).contains(kernel.count), kernel.allSatisfy({ $0 >= 1 && $0 <= 4096 }) else {
            throw attrs.fail("kernel_shape", "invalid \(kernel)")
        }
    }
    let d = kernel?.count
    func list(_ name: String, factor: Int, valid: (Int) -> Bool) throws -> [Int]? {
        guard let v = try attrs.ints(name) else { return nil }
        guard v.allSatisfy(valid), v.count >= factor, v.count <= factor * (Limits.maxRank - 2), v.count % factor == 0,
              d == nil || v.count == factor * (d ?? 0) else {
            throw attrs.fail(name, "expected \(factor == 2 ? "two" : "one") value(s) per spatial axis in range, got \(v)")
        }
        return v
    }
    let strides = try list("strides", factor: 1) { $0 >= 1 && $0 <= 4096 }
    let dilations = try list("dilations", factor: 1) { $0 >= 1 && $0 <= 4096 }
    let pads = try list("pads", factor: 2) { $0 >= 0 && $0 <= 4096 }
    let autoPad: AutoPad
    switch try attrs.string("auto_pad") ?? "NOTSET" {
    case "NOTSET", "": autoPad = .explicit
    case "SAME_UPPER": autoPad = .sameUpper
    case "SAME_LOWER": autoPad = .sameLower
    case "VALID": autoPad = .valid
    case let other: throw attrs.fail("auto_pad", "unknown value '\(other)'")
    }
    if autoPad != .explicit, let pads, pads.contains(where: { $0 != 0 }) {
        throw attrs.fail("pads", "cannot be combined with auto_pad")
    }
    let ceilMode = ceil ? try attrs.bool("ceil_mode", default: false) : false
    return WindowConfig(kernelShape: kernel, strides: strides, pads: pads, dilations: dilations, autoPad: autoPad, ceilMode: ceilMode)
}
