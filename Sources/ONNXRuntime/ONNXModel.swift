import CBLAS
import Foundation
import SwiftProtobuf

/// Describes a graph input or output: its name and shape, with `-1` for dynamic (symbolic or unknown) dimensions.
public struct ONNXValueInfo: Sendable, Equatable {
    /// The value name used as key in ``ONNXModel/run(_:)``.
    public let name: String
    /// Declared shape; `-1` marks a dynamic dimension such as the batch size.
    public let shape: [Int]

    /// Creates a value description.
    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }
}

/// Describes one graph node, in execution order (used e.g. to label per-layer activation maps).
public struct ONNXNodeInfo: Sendable, Equatable {
    /// Node name (may be empty in the file; then a generated `opType_index` name).
    public let name: String
    /// Operator type, e.g. `Conv`.
    public let opType: String
    /// Input value names (empty string for an omitted optional input).
    public let inputs: [String]
    /// Output value names.
    public let outputs: [String]

    /// Creates a node description.
    public init(name: String, opType: String, inputs: [String], outputs: [String]) {
        self.name = name
        self.opType = opType
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// A loaded, validated ONNX model that runs on the CPU (float32, BLAS-backed).
///
/// Loading validates the whole graph: opset, operator types, attributes, initializers, value
/// references, input types; then it runs the graph once on zero inputs (dynamic dimensions set to 1)
/// so shape errors surface at load time. For plain inference, Conv→BatchNormalization, Conv→Add and Conv→Relu
/// are fused and 3×3 filters transformed for Winograd at load time (numerically equivalent up to float rounding;
/// see ``inferencePlan``). `ONNXModel` is safe to share across threads: concurrent runs get separate scratch memory.
public struct ONNXModel: Sendable {
    /// The ai.onnx opsets a model may declare; whether each node's operator version is implemented
    /// is judged per node (see ``unsupportedNodes(serializedData:)``).
    public static let supportedOpsets: ClosedRange<Int> = 1...OpsetTable.newestKnownOpset

    /// Graph inputs that are not initializers (what ``run(_:)`` expects). Inputs of integer or BOOL
    /// element type are also fed as float tensors; their values are truncated to integers.
    public let inputs: [ONNXValueInfo]
    /// Graph outputs (what ``run(_:)`` returns).
    public let outputs: [ONNXValueInfo]
    /// The model's `metadata_props`.
    public let metadata: [String: String]
    /// `producer_name` of the model file.
    public let producerName: String
    /// `producer_version` of the model file.
    public let producerVersion: String
    /// The ai.onnx opset version the model was exported for.
    public let opsetVersion: Int
    /// The ONNX IR version of the file.
    public let irVersion: Int
    /// The nodes in execution order.
    public let nodes: [ONNXNodeInfo]

    /// Node-by-node plan (used when intermediates are collected).
    let exact: Plan
    /// Fused plan (Conv+BatchNormalization, Conv+Relu) for plain inference.
    let fused: Plan
    let initializers: [String: Value]
    let outputNames: Set<String>
    /// Graph inputs of an integer or BOOL element type: their float tensors are converted to int64 at run time.
    let integerInputs: Set<String>
    /// Working memory of the runs in flight, reused across runs (one area per concurrent run).
    let scratchPool = ScratchPool()

    /// Loads a model from a `.onnx` file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ONNXError.malformedModel("cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(serializedData: data)
    }

    /// Loads a model from the bytes of a `.onnx` file.
    public init(serializedData data: Data) throws {
        _ = blasSingleThreaded
        let proto = try Self.decodeModelProto(data)
        try self.init(proto: proto)
    }

    init(proto: Onnx_ModelProto) throws {
        guard proto.irVersion > 0 else {
            throw ONNXError.malformedModel("missing ir_version: not an ONNX model")
        }
        guard proto.hasGraph else { throw ONNXError.malformedModel("missing graph: not an ONNX model") }
        irVersion = Int(clamping: proto.irVersion)
        producerName = proto.producerName
        producerVersion = proto.producerVersion
        var meta: [String: String] = [:]
        for p in proto.metadataProps { meta[p.key] = p.value }
        metadata = meta

        let opset = try Self.modelOpset(proto)
        opsetVersion = opset

        let graph = proto.graph
        // Initializers.
        var inits: [String: Value] = [:]
        for t in graph.initializer {
            guard !t.name.isEmpty else { throw ONNXError.invalidModel("initializer without a name") }
            inits[t.name] = try decodeTensor(t, what: "initializer '\(t.name)'")
        }
        // Inputs (excluding initializers, which old exporters also list as inputs).
        var ins: [ONNXValueInfo] = []
        var intIns: Set<String> = []
        for vi in graph.input where inits[vi.name] == nil {
            ins.append(try valueInfo(vi, role: "input", requireFloat: true))
            if case .tensorType(let tt)? = vi.type.value, ![1, 10, 11, 16].contains(tt.elemType) { intIns.insert(vi.name) }
        }
        guard Set(ins.map(\.name)).count == ins.count else { throw ONNXError.invalidModel("duplicate graph input names") }
        inputs = ins
        integerInputs = intIns
        var outs: [ONNXValueInfo] = []
        for vi in graph.output { outs.append(try valueInfo(vi, role: "output", requireFloat: false)) }
        guard !outs.isEmpty else { throw ONNXError.invalidModel("graph has no outputs") }
        outputs = outs
        outputNames = Set(outs.map(\.name))

        // Nodes: compile (validates operators and attributes) and check references.
        var used = Set(outs.map(\.name))
        for node in graph.node { used.formUnion(node.input) }
        var defined = Set(ins.map(\.name)).union(inits.keys)
        var compiledNodes: [CompiledNode] = []
        var infos: [ONNXNodeInfo] = []
        for (index, node) in graph.node.enumerated() {
            let name = node.name.isEmpty ? "\(node.opType)_\(index)" : node.name
            let c = try compileNode(node, name: name, opset: opset, used: used)
            for input in node.input where !input.isEmpty {
                guard defined.contains(input) else {
                    throw ONNXError.invalidModel(
                        "\(node.opType) node '\(name)' reads '\(input)', which is not a graph input, initializer or earlier node output (graph not topologically sorted?)")
                }
            }
            for output in c.outputs where !output.isEmpty {
                guard !defined.contains(output) else {
                    throw ONNXError.invalidModel("\(node.opType) node '\(name)' redefines value '\(output)'")
                }
                defined.insert(output)
            }
            compiledNodes.append(c)
            infos.append(ONNXNodeInfo(name: name, opType: node.opType, inputs: node.input, outputs: c.outputs))
        }
        for o in outs where !defined.contains(o.name) {
            throw ONNXError.invalidModel("graph output '\(o.name)' is never produced")
        }
        nodes = infos
        exact = Plan(compiledNodes)
        let fusedNodes = fuse(foldConstants(compiledNodes, initializers: &inits), initializers: &inits, graphOutputs: outputNames)
        fused = Plan(prepareWinograd(fusedNodes, initializers: inits))
        initializers = inits

        try dryRun()
    }

    /// Runs the graph once on zeros (dynamic dimensions = 1) to surface shape errors at load time.
    /// Integer inputs (indices, shapes) get ones; a failure then only rejects the model when every input
    /// is a float tensor, since an integer input's values, not just its shape, decide the graph's shapes.
    private func dryRun() throws {
        var feed: [String: Tensor] = [:]
        for input in inputs {
            let shape = input.shape.map { $0 < 0 ? 1 : $0 }
            guard let n = Tensor.elementCount(shape), n <= Limits.maxElements / 4 else {
                throw ONNXError.invalidModel("input '\(input.name)' has an absurd shape \(input.shape)")
            }
            let fill: Float = integerInputs.contains(input.name) ? 1 : 0
            feed[input.name] = Tensor(uncheckedShape: shape, data: [Float](repeating: fill, count: n))
        }
        do {
            _ = try run(feed, collectIntermediates: false)
            if fused.nodes.count != exact.nodes.count { _ = try run(feed, collectIntermediates: true) }
        } catch let error as ONNXError {
            if integerInputs.isEmpty { throw ONNXError.invalidModel("shape check with zero inputs failed: \(error)") }
        }
    }

    /// The nodes plain ``run(_:)`` executes, after load-time folding and fusion: fused operators are named
    /// like `Conv+BatchNormalization+Relu`; convolutions with Winograd filters end in ` (Winograd)`.
    public var inferencePlan: [ONNXNodeInfo] {
        fused.nodes.map { node in
            var opType = node.opType
            if case .conv(_, _, let fusion) = node.op, fusion.winograd != nil { opType += " (Winograd)" }
            return ONNXNodeInfo(name: node.name, opType: opType, inputs: node.inputs, outputs: node.outputs)
        }
    }

    /// True when the (first) graph output is produced by a `Softmax` node, possibly followed by
    /// shape-only nodes (Identity, Dropout, Reshape, Flatten, Squeeze, Unsqueeze): i.e. outputs are probabilities.
    public var graphEndsInSoftmax: Bool {
        guard var name = outputs.first?.name else { return false }
        let passThrough: Set<String> = ["Identity", "Dropout", "Reshape", "Flatten", "Squeeze", "Unsqueeze"]
        while let node = nodes.last(where: { $0.outputs.first == name }) {
            if node.opType == "Softmax" { return true }
            guard passThrough.contains(node.opType), let first = node.inputs.first else { return false }
            name = first
        }
        return false
    }

    /// Runs the model. `inputs` maps every graph input name to a tensor whose shape matches
    /// the declared shape (dynamic dimensions may take any size). Returns every graph output.
    public func run(_ inputs: [String: Tensor]) throws -> [String: Tensor] {
        try run(inputs, collectIntermediates: false)
    }

    /// Convenience for single-input models: runs `input` and returns the first graph output.
    public func run(_ input: Tensor) throws -> Tensor {
        guard inputs.count == 1, let info = inputs.first, let first = outputs.first else {
            throw ONNXError.invalidInput("run(_:) with one tensor needs a single-input model; inputs are \(inputs.map(\.name))")
        }
        guard let out = try run([info.name: input])[first.name] else {
            throw ONNXError.invalidModel("graph output '\(first.name)' was not produced")
        }
        return out
    }

    /// Runs the model; with `collectIntermediates` the result also holds the graph inputs and
    /// every node output (all value names → tensors), e.g. for drawing per-layer activation maps.
    public func run(_ inputs: [String: Tensor], collectIntermediates: Bool) throws -> [String: Tensor] {
        var env: [String: Value] = [:]
        for (name, _) in inputs where !self.inputs.contains(where: { $0.name == name }) {
            throw ONNXError.invalidInput("unknown input '\(name)'; the model's inputs are \(self.inputs.map(\.name))")
        }
        for info in self.inputs {
            guard let t = inputs[info.name] else { throw ONNXError.invalidInput("missing input '\(info.name)'") }
            guard t.shape.count == info.shape.count,
                  zip(t.shape, info.shape).allSatisfy({ $1 < 0 || $0 == $1 }) else {
                throw ONNXError.invalidInput("input '\(info.name)' has shape \(t.shape); the model expects \(info.shape) (-1 = any)")
            }
            env[info.name] = integerInputs.contains(info.name) ? .int64(shape: t.shape, data: Value.float(t).asInt64) : .float(t)
        }
        let plan = collectIntermediates ? exact : fused
        try scratchPool.withScratch { scratch in try runNodes(plan, &env, collectIntermediates: collectIntermediates, scratch: scratch) }
        var result: [String: Tensor] = [:]
        if collectIntermediates {
            for (name, value) in env { result[name] = value.asFloatTensor }
        } else {
            for o in outputs {
                guard let v = env[o.name] ?? initializers[o.name] else {
                    throw ONNXError.invalidModel("graph output '\(o.name)' was not produced")
                }
                result[o.name] = v.asFloatTensor
            }
        }
        return result
    }

    /// Executes `plan` node by node on `env` (values no later node reads are dropped unless intermediates are collected).
    private func runNodes(_ plan: Plan, _ env: inout [String: Value], collectIntermediates: Bool, scratch: Scratch) throws {
        for (index, node) in plan.nodes.enumerated() {
            var args: [Value?] = []
            args.reserveCapacity(node.inputs.count)
            for name in node.inputs {
                if name.isEmpty { args.append(nil); continue }
                guard let v = env[name] ?? initializers[name] else {
                    throw ONNXError.executionFailed(node: node.name, opType: node.opType, detail: "value '\(name)' is not available")
                }
                args.append(v)
            }
            let results: [Value]
            do {
                results = try execute(node, args, scratch: scratch)
            } catch let e as KernelError {
                throw ONNXError.executionFailed(node: node.name, opType: node.opType, detail: e.message)
            }
            for (name, value) in zip(node.outputs, results) where !name.isEmpty {
                env[name] = value
            }
            if !collectIntermediates {
                for name in node.inputs where !name.isEmpty && plan.lastUse[name] == index && !outputNames.contains(name) {
                    env[name] = nil
                }
            }
        }
    }
}

/// Pins OpenBLAS to one thread, once per process: GlyphPrep parallelises across images.
let blasSingleThreaded: Void = { openblas_set_num_threads(1) }()

private func valueInfo(_ vi: Onnx_ValueInfoProto, role: String, requireFloat: Bool) throws -> ONNXValueInfo {
    guard !vi.name.isEmpty else { throw ONNXError.invalidModel("graph \(role) without a name") }
    guard case .tensorType(let tt)? = vi.type.value else {
        throw ONNXError.invalidModel("graph \(role) '\(vi.name)' is not a tensor")
    }
    if requireFloat && !castTargets.contains(Int(tt.elemType)) {
        throw ONNXError.invalidModel(
            "graph \(role) '\(vi.name)' has element type \(dataTypeName(tt.elemType)); only numeric inputs (run with float tensors) are supported")
    }
    guard tt.hasShape else {
        if requireFloat { throw ONNXError.invalidModel("graph \(role) '\(vi.name)' has no declared shape") }
        return ONNXValueInfo(name: vi.name, shape: [])
    }
    guard tt.shape.dim.count <= Limits.maxRank else {
        throw ONNXError.invalidModel("graph \(role) '\(vi.name)' has rank \(tt.shape.dim.count) (max \(Limits.maxRank))")
    }
    var shape: [Int] = []
    for d in tt.shape.dim {
        switch d.value {
        case .dimValue(let v)?:
            guard v >= 0, v <= Int64(Limits.maxElements) else {
                throw ONNXError.invalidModel("graph \(role) '\(vi.name)' has an invalid dimension \(v)")
            }
            shape.append(Int(v))
        default:
            shape.append(-1)
        }
    }
    return ONNXValueInfo(name: vi.name, shape: shape)
}

func dataTypeName(_ t: Int32) -> String {
    let names: [Int32: String] = [0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32",
                                  7: "INT64", 8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32",
                                  13: "UINT64", 16: "BFLOAT16"]
    return names[t] ?? "type \(t)"
}

/// Decodes a TensorProto, refusing external data, absurd shapes and data shorter than declared.
func decodeTensor(_ t: Onnx_TensorProto, what: String) throws -> Value {
    if t.hasDataLocation && t.dataLocation == .external {
        throw ONNXError.invalidTensor("\(what) uses external data, which is not supported")
    }
    if t.hasSegment { throw ONNXError.invalidTensor("\(what) is segmented, which is not supported") }
    guard t.dims.count <= Limits.maxRank else { throw ONNXError.invalidTensor("\(what) has rank \(t.dims.count)") }
    var shape: [Int] = []
    for d in t.dims {
        guard d >= 0, d <= Int64(Limits.maxElements) else { throw ONNXError.invalidTensor("\(what) has dimension \(d)") }
        shape.append(Int(d))
    }
    guard let count = Tensor.elementCount(shape), count <= Limits.maxElements else {
        throw ONNXError.invalidTensor("\(what) declares shape \(shape), more than \(Limits.maxElements) elements")
    }
    return try decodeTensorData(t, shape: shape, count: count, what: what)
}
