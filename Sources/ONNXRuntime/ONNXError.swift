/// Errors thrown while loading, validating, running or building ONNX models.
public enum ONNXError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not a decodable ONNX protobuf (truncated, garbage, wrong file type).
    case malformedModel(String)
    /// The model is decodable but semantically invalid (dangling value names, bad tensors, …).
    case invalidModel(String)
    /// An operator (or operator set) that this engine does not implement.
    case unsupportedOperator(node: String, opType: String, detail: String)
    /// An attribute or attribute value that this engine does not implement or that is invalid.
    case unsupportedAttribute(node: String, opType: String, attribute: String, detail: String)
    /// The model's opset is outside the supported range.
    case unsupportedOpset(domain: String, version: Int)
    /// A tensor whose declaration is inconsistent with its data or that is too large.
    case invalidTensor(String)
    /// A run-time input is missing, unknown or has the wrong shape.
    case invalidInput(String)
    /// A kernel failed (shape mismatch between operands, …) at the named node.
    case executionFailed(node: String, opType: String, detail: String)
    /// The model cannot be serialised (builder errors).
    case buildFailed(String)

    public var description: String {
        switch self {
        case .malformedModel(let m): return "malformed ONNX model: \(m)"
        case .invalidModel(let m): return "invalid ONNX model: \(m)"
        case .unsupportedOperator(let n, let op, let d):
            return "unsupported operator \(op) at node '\(n)': \(d)"
        case .unsupportedAttribute(let n, let op, let a, let d):
            return "unsupported attribute '\(a)' of \(op) node '\(n)': \(d)"
        case .unsupportedOpset(let domain, let v):
            return "unsupported opset \(domain.isEmpty ? "ai.onnx" : domain) version \(v) (supported: ai.onnx \(ONNXModel.supportedOpsets.lowerBound)...\(ONNXModel.supportedOpsets.upperBound))"
        case .invalidTensor(let m): return "invalid tensor: \(m)"
        case .invalidInput(let m): return "invalid input: \(m)"
        case .executionFailed(let n, let op, let d): return "\(op) node '\(n)' failed: \(d)"
        case .buildFailed(let m): return "cannot build ONNX model: \(m)"
        }
    }
}

/// Kernel-level error, wrapped into ``ONNXError/executionFailed(node:opType:detail:)`` by the executor.
struct KernelError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
