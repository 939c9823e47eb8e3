/// A set of same-sized images with integer class labels, stored as one flat NCHW array.
/// Pixels are in 0…1 with ink bright on a dark background (the EMNIST convention).
public struct LabeledImages: Sendable, Hashable {
    public let shape: SampleShape
    public private(set) var pixels: [Float]
    public private(set) var labels: [Int]

    public init(shape: SampleShape, pixels: [Float] = [], labels: [Int] = []) throws {
        guard shape.count > 0 else { throw TrainingError.invalidData("empty image shape \(shape)") }
        guard pixels.count == labels.count * shape.count else {
            throw TrainingError.invalidData(
                "\(pixels.count) pixel values for \(labels.count) images of \(shape)")
        }
        self.shape = shape
        self.pixels = pixels
        self.labels = labels
    }

    /// Single-channel images from 8-bit pixels (0…255 → 0…1).
    public init(width: Int, height: Int, bytes: [UInt8], labels: [Int]) throws {
        try self.init(shape: SampleShape(channels: 1, height: height, width: width),
                      pixels: bytes.map { Float($0) * (1 / 255) }, labels: labels)
    }

    public var count: Int { labels.count }

    /// Pixels of image `index` (a copy).
    public func image(at index: Int) -> [Float] {
        Array(pixels[(index * shape.count)..<((index + 1) * shape.count)])
    }

    public mutating func append(image: [Float], label: Int) throws {
        guard image.count == shape.count else {
            throw TrainingError.invalidData("image of \(image.count) values, expected \(shape)")
        }
        pixels.append(contentsOf: image)
        labels.append(label)
    }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> LabeledImages {
        var pixels: [Float] = []
        pixels.reserveCapacity(indices.count * shape.count)
        for i in indices { pixels.append(contentsOf: self.pixels[(i * shape.count)..<((i + 1) * shape.count)]) }
        // Invariant holds by construction: one image per label.
        return (try? LabeledImages(shape: shape, pixels: pixels, labels: indices.map { labels[$0] }))
            ?? self
    }
}
