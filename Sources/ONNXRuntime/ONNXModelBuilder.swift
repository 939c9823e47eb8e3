import Foundation
import SwiftProtobuf

/// An attribute value of a node added with ``ONNXModelBuilder/addNode(_:inputs:outputs:name:attributes:)``.
public enum ONNXAttribute: Sendable, Equatable {
    /// `INT` attribute (e.g. `group`, `axis`, `transB`).
    case int(Int)
    /// `FLOAT` attribute (e.g. `epsilon`, `alpha`).
    case float(Float)
    /// `INTS` attribute (e.g. `kernel_shape`, `pads`, `strides`, `perm`).
    case ints([Int])
    /// `FLOATS` attribute.
    case floats([Float])
    /// `STRING` attribute (e.g. `auto_pad`).
    case string(String)
    /// `TENSOR` attribute holding a float tensor (e.g. `Constant`'s `value`).
    case tensor(Tensor)
    /// `TENSOR` attribute holding an int64 tensor (e.g. a `Constant` shape for `Reshape`).
    case int64Tensor(shape: [Int], values: [Int64])
}

/// Assembles an ONNX model (float32 graph) and serialises it to `.onnx` bytes — used to export trained networks.
///
/// ```swift
/// var b = ONNXModelBuilder(producerName: "GlyphPrep", opsetVersion: 13)
/// b.addInput("input", shape: [-1, 784])
/// try b.addInitializer("W", Tensor(shape: [784, 26], data: w))
/// b.addNode("Gemm", inputs: ["input", "W"], outputs: ["logits"])
/// b.addNode("Softmax", inputs: ["logits"], outputs: ["probs"], attributes: ["axis": .int(1)])
/// b.addOutput("probs", shape: [-1, 26])
/// let data = try b.serializedData()
/// ```
public struct ONNXModelBuilder: Sendable {
    /// `producer_name` written to the file.
    public var producerName: String
    /// `producer_version` written to the file.
    public var producerVersion: String
    /// The ai.onnx opset version (13 or later recommended; must be in ``ONNXModel/supportedOpsets``).
    public var opsetVersion: Int
    /// Graph name.
    public var graphName: String
    /// `metadata_props` written to the file.
    public var metadata: [String: String] = [:]

    private var graph = Onnx_GraphProto()
    private var nodeCount = 0

    /// Creates an empty graph.
    public init(producerName: String = "GlyphPrep", producerVersion: String = "", opsetVersion: Int = 13, graphName: String = "main") {
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.opsetVersion = opsetVersion
        self.graphName = graphName
    }

    /// Declares a float graph input; `-1` dimensions become the symbolic dimension `N` (first) or `d<i>`.
    public mutating func addInput(_ name: String, shape: [Int]) {
        graph.input.append(Self.valueInfo(name, shape: shape))
    }

    /// Declares a float graph output; `-1` dimensions are dynamic.
    public mutating func addOutput(_ name: String, shape: [Int]) {
        graph.output.append(Self.valueInfo(name, shape: shape))
    }

    /// Adds a float initializer (weights), stored as little-endian `raw_data`.
    public mutating func addInitializer(_ name: String, _ tensor: Tensor) {
        var t = Self.tensorProto(tensor)
        t.name = name
        graph.initializer.append(t)
    }

    /// Adds an int64 initializer (e.g. a shape for `Reshape`, axes for `Squeeze`/`Unsqueeze`).
    public mutating func addInitializer(_ name: String, int64Shape shape: [Int], values: [Int64]) throws {
        guard Tensor.elementCount(shape) == values.count else {
            throw ONNXError.buildFailed("int64 initializer '\(name)': shape \(shape) does not match \(values.count) values")
        }
        var t = Self.int64TensorProto(shape: shape, values: values)
        t.name = name
        graph.initializer.append(t)
    }

    /// Appends a node (nodes must be added in execution order). An empty `name` gets `opType_index`.
    public mutating func addNode(_ opType: String, inputs: [String], outputs: [String], name: String = "",
                                 attributes: [String: ONNXAttribute] = [:]) {
        var n = Onnx_NodeProto()
        n.opType = opType
        n.name = name.isEmpty ? "\(opType)_\(nodeCount)" : name
        n.input = inputs
        n.output = outputs
        for key in attributes.keys.sorted() {
            guard let value = attributes[key] else { continue }
            var a = Onnx_AttributeProto()
            a.name = key
            switch value {
            case .int(let v): a.type = .int; a.i = Int64(v)
            case .float(let v): a.type = .float; a.f = v
            case .ints(let v): a.type = .ints; a.ints = v.map { Int64($0) }
            case .floats(let v): a.type = .floats; a.floats = v
            case .string(let v): a.type = .string; a.s = Data(v.utf8)
            case .tensor(let t): a.type = .tensor; a.t = Self.tensorProto(t)
            case .int64Tensor(let shape, let values): a.type = .tensor; a.t = Self.int64TensorProto(shape: shape, values: values)
            }
            n.attribute.append(a)
        }
        graph.node.append(n)
        nodeCount += 1
    }

    /// Serialises the model to `.onnx` bytes (IR version 8 for opsets up to 18, higher as the opset requires). Throws when the graph is empty or has no outputs.
    public func serializedData() throws -> Data {
        guard !graph.output.isEmpty else { throw ONNXError.buildFailed("the graph has no outputs") }
        guard ONNXModel.supportedOpsets.contains(opsetVersion) else {
            throw ONNXError.buildFailed("opset \(opsetVersion) is outside \(ONNXModel.supportedOpsets)")
        }
        var m = Onnx_ModelProto()
        // Lowest IR version that allows the opset (onnx.helper.VERSION_TABLE).
        switch opsetVersion {
        case ...18: m.irVersion = 8
        case 19...20: m.irVersion = 9
        case 21...22: m.irVersion = 10
        case 23: m.irVersion = 11
        default: m.irVersion = 12
        }
        m.producerName = producerName
        m.producerVersion = producerVersion
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = Int64(opsetVersion)
        m.opsetImport = [opset]
        var g = graph
        g.name = graphName
        m.graph = g
        m.metadataProps = metadata.keys.sorted().map { key in
            var e = Onnx_StringStringEntryProto()
            e.key = key
            e.value = metadata[key] ?? ""
            return e
        }
        do {
            return try m.serializedBytes()
        } catch {
            throw ONNXError.buildFailed("protobuf serialisation failed: \(error)")
        }
    }

    /// Serialises and loads the model (validating it exactly as a file read from disk would be).
    public func build() throws -> ONNXModel {
        try ONNXModel(serializedData: try serializedData())
    }

    private static func valueInfo(_ name: String, shape: [Int]) -> Onnx_ValueInfoProto {
        var tt = Onnx_TypeProto.Tensor()
        tt.elemType = 1
        var sp = Onnx_TensorShapeProto()
        sp.dim = shape.enumerated().map { i, d in
            var dim = Onnx_TensorShapeProto.Dimension()
            if d < 0 { dim.dimParam = i == 0 ? "N" : "d\(i)" } else { dim.dimValue = Int64(d) }
            return dim
        }
        tt.shape = sp
        var type = Onnx_TypeProto()
        type.tensorType = tt
        var vi = Onnx_ValueInfoProto()
        vi.name = name
        vi.type = type
        return vi
    }

    private static func tensorProto(_ tensor: Tensor) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.dataType = 1
        t.dims = tensor.shape.map { Int64($0) }
        var raw = Data(capacity: tensor.count * 4)
        for v in tensor.data { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
        t.rawData = raw
        return t
    }

    private static func int64TensorProto(shape: [Int], values: [Int64]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.dataType = 7
        t.dims = shape.map { Int64($0) }
        t.int64Data = values
        return t
    }
}
