import Foundation
import SwiftProtobuf

/// A node that this engine cannot run, and why (from ``ONNXModel/unsupportedNodes(serializedData:)``).
public struct ONNXUnsupportedNode: Sendable, Equatable, CustomStringConvertible {
    /// Node name (or the generated `opType_index` name when the file leaves it empty).
    public let name: String
    /// Operator type, e.g. `LSTM`.
    public let opType: String
    /// Position of the node in the graph.
    public let index: Int
    /// The error that loading would report for this node (names the node and operator).
    public let error: ONNXError

    public var description: String { error.description }
}

extension ONNXModel {
    /// Lists every node of the model whose operator, operator version or attributes this engine does not
    /// implement — all of them at once, unlike loading, which stops at the first. An empty list means every
    /// node compiles (the model may still fail to load for other reasons, e.g. inconsistent shapes).
    /// Throws only when the file itself is unreadable or not an ONNX model.
    public static func unsupportedNodes(contentsOf url: URL) throws -> [ONNXUnsupportedNode] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ONNXError.malformedModel("cannot read \(url.path): \(error.localizedDescription)")
        }
        return try unsupportedNodes(serializedData: data)
    }

    /// See ``unsupportedNodes(contentsOf:)``.
    public static func unsupportedNodes(serializedData data: Data) throws -> [ONNXUnsupportedNode] {
        let proto = try decodeModelProto(data)
        guard proto.hasGraph else { throw ONNXError.malformedModel("missing graph: not an ONNX model") }
        let opset = try modelOpset(proto)
        let graph = proto.graph
        var used = Set(graph.output.map(\.name))
        for node in graph.node { used.formUnion(node.input) }
        var result: [ONNXUnsupportedNode] = []
        for (index, node) in graph.node.enumerated() {
            let name = node.name.isEmpty ? "\(node.opType)_\(index)" : node.name
            do {
                _ = try compileNode(node, name: name, opset: opset, used: used)
            } catch let error as ONNXError {
                result.append(ONNXUnsupportedNode(name: name, opType: node.opType, index: index, error: error))
            }
        }
        return result
    }

    static func decodeModelProto(_ data: Data) throws -> Onnx_ModelProto {
        guard !data.isEmpty else { throw ONNXError.malformedModel("empty file") }
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            return try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch {
            throw ONNXError.malformedModel("not a decodable ONNX protobuf (\(data.count) bytes): \(error)")
        }
    }

    /// The model's ai.onnx opset, within ``supportedOpsets``.
    static func modelOpset(_ proto: Onnx_ModelProto) throws -> Int {
        var opset: Int?
        for imp in proto.opsetImport where imp.domain.isEmpty || imp.domain == "ai.onnx" {
            opset = Int(clamping: imp.version)
        }
        guard let opset else { throw ONNXError.invalidModel("no ai.onnx entry in opset_import") }
        guard supportedOpsets.contains(opset) else { throw ONNXError.unsupportedOpset(domain: "ai.onnx", version: opset) }
        return opset
    }
}

/// Reads serialized TensorProto files, e.g. the `input_0.pb` / `output_0.pb` files of the ONNX backend test data.
public enum ONNXTensorFile {
    /// Decodes one TensorProto; integer and boolean tensors are converted to float.
    public static func decode(_ data: Data) throws -> (name: String, tensor: Tensor) {
        let proto: Onnx_TensorProto
        do { proto = try Onnx_TensorProto(serializedBytes: data) } catch {
            throw ONNXError.malformedModel("not a decodable TensorProto (\(data.count) bytes): \(error)")
        }
        return (proto.name, try decodeTensor(proto, what: "tensor '\(proto.name)'").asFloatTensor)
    }
}
