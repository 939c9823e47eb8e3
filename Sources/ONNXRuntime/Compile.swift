/// Padding policy of Conv and pooling operators.
enum AutoPad: Sendable {
    case explicit, sameUpper, sameLower, valid
}

/// Spatial configuration shared by Conv, MaxPool and AveragePool (2-D only).
struct WindowConfig: Sendable {
    var kernelShape: [Int]?
    var strides: [Int]
    var pads: [Int]  // [top, left, bottom, right]
    var dilations: [Int]
    var autoPad: AutoPad
    var ceilMode: Bool
}

enum BinaryOp: Sendable { case add, sub, mul, div }

/// An operator with its attributes parsed and validated at load time.
enum Op: Sendable {
    case gemm(alpha: Float, beta: Float, transA: Bool, transB: Bool)
    case matMul
    case binary(BinaryOp)
    case relu
    case leakyRelu(alpha: Float)
    case sigmoid
    case tanh
    case softmax(axis: Int, log: Bool, legacy: Bool)
    case conv(WindowConfig, group: Int, relu: Bool)
    case maxPool(WindowConfig)
    case averagePool(WindowConfig, countIncludePad: Bool)
    case globalAveragePool
    case batchNorm(epsilon: Float)
    case flatten(axis: Int)
    case reshape(allowZero: Bool)
    case transpose(perm: [Int]?)
    case squeeze(axes: [Int]?)
    case unsqueeze(axes: [Int]?)
    case concat(axis: Int)
    case clip(min: Float, max: Float)
    case identity
    case constant(Value)
    case cast(toInt64: Bool)
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

/// Attribute access with validation; errors name the node and operator.
private struct Attributes {
    let node: String
    let opType: String
    let byName: [String: Onnx_AttributeProto]

    func fail(_ attr: String, _ detail: String) -> ONNXError {
        .unsupportedAttribute(node: node, opType: opType, attribute: attr, detail: detail)
    }

    func only(_ allowed: Set<String>) throws {
        for key in byName.keys.sorted() where !allowed.contains(key) {
            throw fail(key, "not supported by this engine (supported: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    func int(_ name: String) throws -> Int? {
        guard let a = byName[name] else { return nil }
        guard a.type == .int || (a.type == .undefined && a.hasI) else { throw fail(name, "expected an integer") }
        guard let v = Int(exactly: a.i) else { throw fail(name, "out of range") }
        return v
    }

    func int(_ name: String, default d: Int) throws -> Int { try int(name) ?? d }

    func float(_ name: String, default d: Float) throws -> Float {
        guard let a = byName[name] else { return d }
        guard a.type == .float || (a.type == .undefined && a.hasF) else { throw fail(name, "expected a float") }
        return a.f
    }

    func ints(_ name: String) throws -> [Int]? {
        guard let a = byName[name] else { return nil }
        guard a.type == .ints || (a.type == .undefined && !a.ints.isEmpty) else { throw fail(name, "expected a list of integers") }
        guard a.ints.count <= 64 else { throw fail(name, "too many values (\(a.ints.count))") }
        return try a.ints.map {
            guard $0 >= -(1 << 32), $0 <= 1 << 32 else { throw fail(name, "value \($0) out of range") }
            return Int($0)
        }
    }

    func string(_ name: String) throws -> String? {
        guard let a = byName[name] else { return nil }
        guard a.type == .string || (a.type == .undefined && a.hasS) else { throw fail(name, "expected a string") }
        return String(decoding: a.s, as: UTF8.self)
    }

    func bool(_ name: String, default d: Bool) throws -> Bool {
        guard let v = try int(name) else { return d }
        guard v == 0 || v == 1 else { throw fail(name, "expected 0 or 1, got \(v)") }
        return v == 1
    }
}

private func unsupported(_ node: Onnx_NodeProto, _ name: String, _ detail: String) -> ONNXError {
    .unsupportedOperator(node: name, opType: node.opType, detail: detail)
}

/// Validates one node (operator, domain, arity, attributes) and compiles it to an ``Op``.
func compileNode(_ node: Onnx_NodeProto, name: String, opset: Int) throws -> CompiledNode {
    guard node.domain.isEmpty || node.domain == "ai.onnx" else {
        throw unsupported(node, name, "custom domain '\(node.domain)' is not supported")
    }
    var byName: [String: Onnx_AttributeProto] = [:]
    for a in node.attribute {
        if !a.refAttrName.isEmpty {
            throw ONNXError.unsupportedAttribute(node: name, opType: node.opType, attribute: a.name, detail: "attribute references are not supported")
        }
        byName[a.name] = a
    }
    let attrs = Attributes(node: name, opType: node.opType, byName: byName)
    let nIn = node.input.count
    let nOut = node.output.count
    func arity(_ inputs: ClosedRange<Int>, outputs: ClosedRange<Int> = 1...1) throws {
        guard inputs.contains(nIn) else {
            throw unsupported(node, name, "expects \(inputs.lowerBound)...\(inputs.upperBound) inputs, has \(nIn)")
        }
        guard outputs.contains(nOut) else {
            throw unsupported(node, name, "expects \(outputs.lowerBound)...\(outputs.upperBound) outputs, has \(nOut)")
        }
    }
    func required(_ indices: [Int]) throws {
        for i in indices where i < nIn && node.input[i].isEmpty {
            throw unsupported(node, name, "input \(i) is required")
        }
    }

    let op: Op
    switch node.opType {
    case "Gemm":
        try arity(2...3)
        try attrs.only(["alpha", "beta", "transA", "transB", "broadcast"])
        op = .gemm(alpha: try attrs.float("alpha", default: 1), beta: try attrs.float("beta", default: 1),
                   transA: try attrs.bool("transA", default: false), transB: try attrs.bool("transB", default: false))
    case "MatMul":
        try arity(2...2)
        try attrs.only([])
        op = .matMul
    case "Add", "Sub", "Mul", "Div":
        try arity(2...2)
        try attrs.only(["broadcast", "axis"])
        if byName["axis"] != nil { throw attrs.fail("axis", "legacy axis broadcasting (opset < 7) is not supported") }
        let map: [String: BinaryOp] = ["Add": .add, "Sub": .sub, "Mul": .mul, "Div": .div]
        guard let b = map[node.opType] else { throw unsupported(node, name, "internal error") }
        op = .binary(b)
    case "Relu", "Sigmoid", "Tanh":
        try arity(1...1)
        try attrs.only([])
        op = node.opType == "Relu" ? .relu : node.opType == "Sigmoid" ? .sigmoid : .tanh
    case "LeakyRelu":
        try arity(1...1)
        try attrs.only(["alpha"])
        op = .leakyRelu(alpha: try attrs.float("alpha", default: 0.01))
    case "Softmax", "LogSoftmax":
        try arity(1...1)
        try attrs.only(["axis"])
        let legacy = opset < 13
        op = .softmax(axis: try attrs.int("axis", default: legacy ? 1 : -1), log: node.opType == "LogSoftmax", legacy: legacy)
    case "Conv":
        try arity(2...3)
        try required([0, 1])
        try attrs.only(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])
        let group = try attrs.int("group", default: 1)
        guard group >= 1 else { throw attrs.fail("group", "must be >= 1, got \(group)") }
        op = .conv(try windowConfig(attrs, ceil: false), group: group, relu: false)
    case "MaxPool":
        try arity(1...1, outputs: 1...1)
        try attrs.only(["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides", "storage_order"])
        if try attrs.int("storage_order", default: 0) != 0 { throw attrs.fail("storage_order", "only 0 (row major) is supported") }
        let cfg = try windowConfig(attrs, ceil: true)
        guard cfg.kernelShape != nil else { throw attrs.fail("kernel_shape", "is required") }
        op = .maxPool(cfg)
    case "AveragePool":
        try arity(1...1)
        try attrs.only(["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"])
        let cfg = try windowConfig(attrs, ceil: true)
        guard cfg.kernelShape != nil else { throw attrs.fail("kernel_shape", "is required") }
        if cfg.dilations.contains(where: { $0 != 1 }) { throw attrs.fail("dilations", "only dilations of 1 are supported for AveragePool") }
        op = .averagePool(cfg, countIncludePad: try attrs.bool("count_include_pad", default: false))
    case "GlobalAveragePool":
        try arity(1...1)
        try attrs.only([])
        op = .globalAveragePool
    case "BatchNormalization":
        try arity(5...5, outputs: 1...1)
        try required([0, 1, 2, 3, 4])
        try attrs.only(["epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs"])
        if try attrs.bool("training_mode", default: false) { throw attrs.fail("training_mode", "only inference (0) is supported") }
        if try !attrs.bool("spatial", default: true) { throw attrs.fail("spatial", "only spatial=1 is supported") }
        op = .batchNorm(epsilon: try attrs.float("epsilon", default: 1e-5))
    case "Flatten":
        try arity(1...1)
        try attrs.only(["axis"])
        op = .flatten(axis: try attrs.int("axis", default: 1))
    case "Reshape":
        try arity(2...2)
        try required([0, 1])
        try attrs.only(["allowzero"])
        op = .reshape(allowZero: try attrs.bool("allowzero", default: false))
    case "Transpose":
        try arity(1...1)
        try attrs.only(["perm"])
        op = .transpose(perm: try attrs.ints("perm"))
    case "Squeeze", "Unsqueeze":
        try attrs.only(["axes"])
        let axes = try attrs.ints("axes")
        if opset >= 13 {
            try arity(node.opType == "Squeeze" ? 1...2 : 2...2)
            if axes != nil { throw attrs.fail("axes", "is an input, not an attribute, since opset 13") }
        } else {
            try arity(1...1)
            if node.opType == "Unsqueeze" && axes == nil { throw attrs.fail("axes", "is required") }
        }
        op = node.opType == "Squeeze" ? .squeeze(axes: axes) : .unsqueeze(axes: axes)
    case "Concat":
        guard nIn >= 1, nOut == 1 else { throw unsupported(node, name, "expects at least one input and one output") }
        try required(Array(0..<nIn))
        try attrs.only(["axis"])
        guard let axis = try attrs.int("axis") else { throw attrs.fail("axis", "is required") }
        op = .concat(axis: axis)
    case "Clip":
        if opset < 11 {
            try arity(1...1)
            try attrs.only(["min", "max"])
            op = .clip(min: try attrs.float("min", default: -.greatestFiniteMagnitude),
                       max: try attrs.float("max", default: .greatestFiniteMagnitude))
        } else {
            try arity(1...3)
            try attrs.only([])
            op = .clip(min: -.infinity, max: .infinity)
        }
    case "Dropout":
        try arity(1...3, outputs: 1...2)
        try attrs.only(["ratio", "seed", "is_test"])
        if nOut == 2 && !node.output[1].isEmpty {
            throw unsupported(node, name, "the mask output is not supported")
        }
        op = .identity
    case "Identity":
        try arity(1...1)
        try attrs.only([])
        op = .identity
    case "Constant":
        try arity(0...0)
        guard byName.count == 1, let (key, a) = byName.first else {
            throw unsupported(node, name, "expects exactly one value attribute")
        }
        switch key {
        case "value": op = .constant(try decodeTensor(a.t, what: "Constant node '\(name)'"))
        case "value_float": op = .constant(.float(Tensor(uncheckedShape: [], data: [a.f])))
        case "value_floats":
            op = .constant(.float(Tensor(uncheckedShape: [a.floats.count], data: a.floats)))
        case "value_int": op = .constant(.int64(shape: [], data: [a.i]))
        case "value_ints": op = .constant(.int64(shape: [a.ints.count], data: a.ints))
        default: throw attrs.fail(key, "only value, value_float(s) and value_int(s) are supported")
        }
    case "Cast":
        try arity(1...1)
        try attrs.only(["to", "saturate", "round_mode"])
        guard let to = try attrs.int("to") else { throw attrs.fail("to", "is required") }
        switch to {
        case 1: op = .cast(toInt64: false)
        case 7: op = .cast(toInt64: true)
        default: throw attrs.fail("to", "casting to \(dataTypeName(Int32(clamping: to))) is not supported (only FLOAT and INT64)")
        }
    case "Shape":
        try arity(1...1)
        try attrs.only(["start", "end"])
        op = .shape(start: try attrs.int("start", default: 0), end: try attrs.int("end"))
    case "Gather":
        try arity(2...2)
        try required([0, 1])
        try attrs.only(["axis"])
        op = .gather(axis: try attrs.int("axis", default: 0))
    default:
        throw unsupported(node, name, "operator is not implemented by GlyphPrep's ONNX engine")
    }
    return CompiledNode(name: name, opType: node.opType, inputs: node.input, outputs: node.output, op: op)
}

private func windowConfig(_ attrs: Attributes, ceil: Bool) throws -> WindowConfig {
    let kernel = try attrs.ints("kernel_shape")
    if let kernel {
        guard kernel.count == 2 else { throw attrs.fail("kernel_shape", "only 2-D windows are supported, got \(kernel)") }
        guard kernel.allSatisfy({ $0 >= 1 && $0 <= 4096 }) else { throw attrs.fail("kernel_shape", "invalid \(kernel)") }
    }
    let strides = try attrs.ints("strides") ?? [1, 1]
    guard strides.count == 2, strides.allSatisfy({ $0 >= 1 && $0 <= 4096 }) else {
        throw attrs.fail("strides", "expected two positive values, got \(strides)")
    }
    let dilations = try attrs.ints("dilations") ?? [1, 1]
    guard dilations.count == 2, dilations.allSatisfy({ $0 >= 1 && $0 <= 4096 }) else {
        throw attrs.fail("dilations", "expected two positive values, got \(dilations)")
    }
    let pads = try attrs.ints("pads") ?? [0, 0, 0, 0]
    guard pads.count == 4, pads.allSatisfy({ $0 >= 0 && $0 <= 4096 }) else {
        throw attrs.fail("pads", "expected four non-negative values, got \(pads)")
    }
    let autoPad: AutoPad
    switch try attrs.string("auto_pad") ?? "NOTSET" {
    case "NOTSET": autoPad = .explicit
    case "SAME_UPPER": autoPad = .sameUpper
    case "SAME_LOWER": autoPad = .sameLower
    case "VALID": autoPad = .valid
    case let other: throw attrs.fail("auto_pad", "unknown value '\(other)'")
    }
    if autoPad != .explicit && attrs.byName["pads"] != nil && pads.contains(where: { $0 != 0 }) {
        throw attrs.fail("pads", "cannot be combined with auto_pad")
    }
    let ceilMode = ceil ? try attrs.bool("ceil_mode", default: false) : false
    return WindowConfig(kernelShape: kernel, strides: strides, pads: pads, dilations: dilations, autoPad: autoPad, ceilMode: ceilMode)
}
