/// Shape of one sample in NCHW order without the batch axis: channels × height × width.
/// Flat vectors (after `flatten` or `dense`) are `features × 1 × 1`.
public struct SampleShape: Sendable, Hashable, Codable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// A flat feature vector of `features` values.
    public static func flat(_ features: Int) -> SampleShape {
        SampleShape(channels: features, height: 1, width: 1)
    }

    /// Number of values in one sample.
    public var count: Int { channels * height * width }

    public var isFlat: Bool { height == 1 && width == 1 }

    public var description: String { "\(channels)x\(height)x\(width)" }
}

/// Errors raised while building, training or running a network.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case invalidArchitecture(String)
    case invalidData(String)
    case invalidConfiguration(String)
    case invalidModel(String)

    public var description: String {
        switch self {
        case .invalidArchitecture(let why): "invalid network architecture: \(why)"
        case .invalidData(let why): "invalid training data: \(why)"
        case .invalidConfiguration(let why): "invalid training configuration: \(why)"
        case .invalidModel(let why): "invalid trained model: \(why)"
        }
    }
}

/// Growable scratch memory for the hot loop; contents are undefined after `reserve` grows it.
final class ScratchBuffer<Element: Numeric> {
    private(set) var pointer: UnsafeMutablePointer<Element>
    private(set) var capacity: Int

    init(count: Int = 0) {
        capacity = max(count, 1)
        pointer = .allocate(capacity: capacity)
        pointer.initialize(repeating: 0, count: capacity)
    }

    convenience init(copying values: [Element]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: src.count) }
        }
    }

    func reserve(_ count: Int) {
        guard count > capacity else { return }
        pointer.deallocate()
        capacity = count
        pointer = .allocate(capacity: capacity)
        pointer.initialize(repeating: 0, count: capacity)
    }

    func zero(_ count: Int) {
        pointer.update(repeating: 0, count: count)
    }

    func array(count: Int) -> [Element] {
        Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    deinit { pointer.deallocate() }
}

/// Float activations, gradients and moments.
typealias FloatBuffer = ScratchBuffer<Float>
/// Max-pool argmax indices.
typealias IndexBuffer = ScratchBuffer<Int32>

/// One trainable tensor with its gradient and Adam moments.
final class Parameter {
    let name: String
    let count: Int
    /// Weight decay applies to weights, not biases.
    let decays: Bool
    let value: FloatBuffer
    let gradient: FloatBuffer
    let firstMoment: FloatBuffer
    let secondMoment: FloatBuffer

    init(name: String, values: [Float], decays: Bool) {
        self.name = name
        count = values.count
        self.decays = decays
        value = FloatBuffer(copying: values)
        gradient = FloatBuffer(count: values.count)
        firstMoment = FloatBuffer(count: values.count)
        secondMoment = FloatBuffer(count: values.count)
    }

    var values: [Float] { value.array(count: count) }
}
