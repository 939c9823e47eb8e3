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

/// What a Conv node does besides the convolution (fused at load time), and its Winograd filters.
struct ConvFusion: Sendable {
    var relu = false
    /// Input 3 is added to the result before the Relu (a residual Add fused into the convolution).
    var residual = false
    /// Filters transformed for Winograd F(2×2, 3×3) (constant 3×3 weights, stride 1, dilation 1, one group).
    var winograd: WinogradFilter?
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
    case conv(WindowConfig, group: Int, fusion: ConvFusion)
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

/// Element types Cast converts to: FLOAT, UINT8, INT8, UINT16, INT16, INT32, INT64, BOOL, FLOAT16, DOUBLE, UINT32, UINT64, BFLOAT16.
let castTargets: Set<Int> = [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16]

func group(_ attrs: Attributes) throws -> Int {
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
