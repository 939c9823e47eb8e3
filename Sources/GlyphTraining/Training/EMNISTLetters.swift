import Foundation
import GlyphPipeline

/// The EMNIST Letters split: labels 1…26 stand for a…z (upper and lower case merged);
/// images are stored transposed.
public enum EMNISTLetters {
    /// Class names in model output order: "a" … "z".
    public static let labels: [String] = (0..<26).map { String(UnicodeScalar(UInt8(97 + $0))) }

    /// Loads an images/labels pair into training form (labels 0…25, pixels 0…1).
    public static func load(images imagesURL: URL, labels labelsURL: URL, transposed: Bool = true) throws -> LabeledImages {
        let images = try IDXImages(contentsOf: imagesURL, transposed: transposed)
        let raw = try IDXLabels.read(contentsOf: labelsURL)
        return try labeledImages(images: images, labels: raw)
    }

    public static func labeledImages(images: IDXImages, labels raw: [UInt8]) throws -> LabeledImages {
        guard images.count == raw.count else { throw IDXError.countMismatch(images: images.count, labels: raw.count) }
        var labels: [Int] = []
        labels.reserveCapacity(raw.count)
        for (i, value) in raw.enumerated() {
            guard (1...26).contains(value) else { throw IDXError.labelOutOfRange(index: i, value: Int(value)) }
            labels.append(Int(value) - 1)
        }
        return try LabeledImages(width: images.columns, height: images.rows, bytes: images.pixels, labels: labels)
    }

    /// Writes single-channel images (pixels 0…1, labels 0…25) as an EMNIST Letters pair.
    public static func export(_ data: LabeledImages, images imagesURL: URL, labels labelsURL: URL,
                              gzip: Bool? = nil, transposed: Bool = true) throws {
        guard data.shape.channels == 1 else { throw IDXError.badDimensions([data.count, data.shape.channels]) }
        var raw: [UInt8] = []
        raw.reserveCapacity(data.count)
        for (i, label) in data.labels.enumerated() {
            guard (0..<26).contains(label) else { throw IDXError.labelOutOfRange(index: i, value: label) }
            raw.append(UInt8(label + 1))
        }
        let bytes = data.pixels.map { UInt8(clamping: Int((min(max($0, 0), 1) * 255).rounded())) }
        let images = try IDXImages(count: data.count, rows: data.shape.height, columns: data.shape.width, pixels: bytes)
        try images.write(to: imagesURL, gzip: gzip, transposed: transposed)
        try IDXLabels.write(raw, to: labelsURL, gzip: gzip)
    }
}
