import Foundation

/// A dense, row-major tensor of 32-bit floats: the unit of exchange with ``ONNXModel``.
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
    /// Dimensions, outermost first (e.g. `[N, 1, 28, 28]`). A scalar has shape `[]`.
    public let shape: [Int]
    /// Elements in row-major order; `data.count` equals the product of `shape`.
    public let data: [Float]

    /// Creates a tensor; throws ``ONNXError/invalidTensor(_:)`` when `data.count` does not match `shape`.
    public init(shape: [Int], data: [Float]) throws {
        guard let count = Tensor.elementCount(shape), count == data.count else {
            throw ONNXError.invalidTensor(
                "shape \(shape) needs \(Tensor.elementCount(shape).map(String.init) ?? "an invalid number of") elements, got \(data.count)")
        }
        self.shape = shape
        self.data = data
    }

    /// Creates a tensor filled with `value`; throws when the shape is invalid.
    public init(shape: [Int], repeating value: Float) throws {
        guard let count = Tensor.elementCount(shape), count <= Limits.maxElements else {
            throw ONNXError.invalidTensor("invalid or too large shape \(shape)")
        }
        self.shape = shape
        self.data = [Float](repeating: value, count: count)
    }

    /// Unchecked initialiser for kernels whose shapes are already validated.
    init(uncheckedShape shape: [Int], data: [Float]) {
        self.shape = shape
        self.data = data
    }

    /// Number of elements.
    public var count: Int { data.count }

    /// Number of dimensions.
    public var rank: Int { shape.count }

    public var description: String { "Tensor(shape: \(shape), \(data.count) elements)" }

    /// Product of `shape`, or nil on negative dimensions or overflow.
    static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o { return nil }
            n = p
        }
        return n
    }
}

/// Hard limits that keep hostile model files from exhausting memory.
enum Limits {
    /// Largest tensor the engine will materialise: an eighth of the machine's memory (at least 2^26,
    /// at most 2^31 elements). Initializers are further bounded by the bytes the file actually holds.
    static let maxElements: Int = {
        let floats = ProcessInfo.processInfo.physicalMemory / 8 / 4
        return Int(clamping: min(max(floats, 1 << 26), 1 << 31))
    }()
    /// Largest tensor rank accepted.
    static let maxRank = 8
}

/// Internal value: float tensors or int64 tensors (shape arguments of Reshape, Squeeze, …).
enum Value: Sendable {
    case float(Tensor)
    case int64(shape: [Int], data: [Int64])

    var shape: [Int] {
        switch self {
        case .float(let t): return t.shape
        case .int64(let s, _): return s
        }
    }

    var count: Int {
        switch self {
        case .float(let t): return t.count
        case .int64(_, let d): return d.count
        }
    }

    var typeName: String {
        switch self {
        case .float: return "float"
        case .int64: return "int64"
        }
    }

    /// The value as a float tensor (int64 converted).
    var asFloatTensor: Tensor {
        switch self {
        case .float(let t): return t
        case .int64(let s, let d): return Tensor(uncheckedShape: s, data: d.map { Float($0) })
        }
    }

    /// The value as int64 elements (floats truncated toward zero).
    var asInt64: [Int64] {
        switch self {
        case .float(let t): return t.data.map { $0.isFinite ? Int64(max(min($0, 9.2e18), -9.2e18)) : 0 }
        case .int64(_, let d): return d
        }
    }
}
