import Foundation
import GlyphImaging

/// Why an IDX file was rejected.
public enum IDXError: Error, Equatable, CustomStringConvertible {
    case tooShort(Int)
    case badMagic([UInt8])
    case unsupportedElementType(UInt8)
    case badDimensions([Int])
    case sizeMismatch(expected: Int, actual: Int)
    case wrongRank(expected: Int, actual: Int)
    case countMismatch(images: Int, labels: Int)
    case labelOutOfRange(index: Int, value: Int)
    case compression(String)
    case io(String)

    public var description: String {
        switch self {
        case .tooShort(let n): "IDX file too short for a header (\(n) bytes)"
        case .badMagic(let bytes):
            "not an IDX file: magic \(bytes.map { String(format: "%02x", $0) }.joined(separator: " ")), expected 00 00 08 0n"
        case .unsupportedElementType(let t): String(format: "unsupported IDX element type 0x%02x (only 0x08 unsigned byte)", t)
        case .badDimensions(let d): "invalid IDX dimensions \(d)"
        case let .sizeMismatch(expected, actual):
            "IDX payload is \(actual) bytes but the header declares \(expected)"
                + (actual < expected ? " (file truncated)" : " (trailing bytes)")
        case let .wrongRank(expected, actual): "IDX file has \(actual) dimensions, expected \(expected)"
        case let .countMismatch(images, labels): "\(images) images but \(labels) labels"
        case let .labelOutOfRange(index, value): "label \(value) at index \(index) is out of range"
        case .compression(let why): "gzip: \(why)"
        case .io(let why): why
        }
    }
}

/// An IDX file (the MNIST/EMNIST container) of unsigned bytes: big-endian header
/// `00 00 08 rank`, `rank` UInt32 dimensions, then the row-major payload.
public struct IDXFile: Sendable, Hashable {
    public private(set) var dimensions: [Int]
    public private(set) var bytes: [UInt8]

    public init(dimensions: [Int], bytes: [UInt8]) throws {
        guard (1...255).contains(dimensions.count),
              dimensions.allSatisfy({ $0 >= 0 && $0 <= Int(UInt32.max) }) else {
            throw IDXError.badDimensions(dimensions)
        }
        let expected = try Self.product(dimensions)
        guard expected == bytes.count else { throw IDXError.sizeMismatch(expected: expected, actual: bytes.count) }
        self.dimensions = dimensions
        self.bytes = bytes
    }

    /// Parses an IDX file, gunzipping first when the data starts with the gzip magic.
    public init(parsing raw: [UInt8]) throws {
        var data = raw
        if Gzip.isCompressed(raw) {
            do {
                data = try Gzip.decompress(raw)
            } catch let failure as Gzip.Failure {
                throw IDXError.compression(failure.description)
            }
        }
        guard data.count >= 4 else { throw IDXError.tooShort(data.count) }
        guard data[0] == 0, data[1] == 0, data[3] > 0 else { throw IDXError.badMagic(Array(data[0..<4])) }
        guard data[2] == 0x08 else { throw IDXError.unsupportedElementType(data[2]) }
        let rank = Int(data[3])
        let headerSize = 4 + 4 * rank
        guard data.count >= headerSize else { throw IDXError.tooShort(data.count) }
        let dims = (0..<rank).map { d -> Int in
            let o = 4 + 4 * d
            return Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3])
        }
        let expected = try Self.product(dims)
        let actual = data.count - headerSize
        guard expected == actual else { throw IDXError.sizeMismatch(expected: expected, actual: actual) }
        try self.init(dimensions: dims, bytes: Array(data[headerSize...]))
    }

    /// Reads `url`; `.gz` or not is decided by the content, not the name.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw IDXError.io("cannot read \(url.path): \(SystemErrorText.reason(error))")
        }
        try self.init(parsing: [UInt8](data))
    }

    /// The file's bytes: header and payload, uncompressed.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        out.reserveCapacity(4 + 4 * dimensions.count + bytes.count)
        for d in dimensions {
            let v = UInt32(d)
            out += [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8),
                    UInt8(truncatingIfNeeded: v)]
        }
        out += bytes
        return out
    }

    /// Writes the file, gzip-compressed when `gzip` is true (default: when the name ends in `.gz`).
    public func write(to url: URL, gzip: Bool? = nil) throws {
        let compress = gzip ?? (url.pathExtension.lowercased() == "gz")
        var payload = encoded()
        if compress {
            do {
                payload = try Gzip.compress(payload)
            } catch let failure as Gzip.Failure {
                throw IDXError.compression(failure.description)
            }
        }
        do {
            try Data(payload).write(to: url, options: .atomic)
        } catch {
            throw IDXError.io("cannot write \(url.path): \(SystemErrorText.reason(error))")
        }
    }

    private static func product(_ dims: [Int]) throws -> Int {
        var total = 1
        for d in dims {
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow, p <= 1 << 40 else { throw IDXError.badDimensions(dims) }
            total = p
        }
        return total
    }
}

/// Grayscale images of one size from an `*-images-idx3-ubyte` file, row-major per image.
public struct IDXImages: Sendable, Hashable {
    public private(set) var count: Int
    public private(set) var rows: Int
    public private(set) var columns: Int
    public private(set) var pixels: [UInt8]

    public init(count: Int, rows: Int, columns: Int, pixels: [UInt8]) throws {
        guard count >= 0, rows > 0, columns > 0 else { throw IDXError.badDimensions([count, rows, columns]) }
        guard pixels.count == count * rows * columns else {
            throw IDXError.sizeMismatch(expected: count * rows * columns, actual: pixels.count)
        }
        self.count = count
        self.rows = rows
        self.columns = columns
        self.pixels = pixels
    }

    /// Reads an images file. `transposed` swaps rows and columns of every image, which turns
    /// raw EMNIST arrays (stored column-major) upright.
    public init(contentsOf url: URL, transposed: Bool = false) throws {
        try self.init(file: IDXFile(contentsOf: url), transposed: transposed)
    }

    public init(file: IDXFile, transposed: Bool = false) throws {
        guard file.dimensions.count == 3 else {
            throw IDXError.wrongRank(expected: 3, actual: file.dimensions.count)
        }
        try self.init(count: file.dimensions[0], rows: file.dimensions[1], columns: file.dimensions[2],
                      pixels: file.bytes)
        if transposed { self = self.transposed() }
    }

    /// Every image with rows and columns swapped.
    public func transposed() -> IDXImages {
        var out = [UInt8](repeating: 0, count: pixels.count)
        let plane = rows * columns
        for n in 0..<count {
            let base = n * plane
            for r in 0..<rows {
                for c in 0..<columns { out[base + c * rows + r] = pixels[base + r * columns + c] }
            }
        }
        // Same element count with rows and columns swapped, so the initializer cannot fail.
        return (try? IDXImages(count: count, rows: columns, columns: rows, pixels: out)) ?? self
    }

    public var file: IDXFile {
        get throws { try IDXFile(dimensions: [count, rows, columns], bytes: pixels) }
    }

    /// Writes an images file (`transposed` stores it EMNIST-style, column-major).
    public func write(to url: URL, gzip: Bool? = nil, transposed: Bool = false) throws {
        try (transposed ? self.transposed() : self).file.write(to: url, gzip: gzip)
    }
}

/// Class labels from an `*-labels-idx1-ubyte` file.
public enum IDXLabels {
    public static func read(contentsOf url: URL) throws -> [UInt8] {
        try read(file: IDXFile(contentsOf: url))
    }

    public static func read(file: IDXFile) throws -> [UInt8] {
        guard file.dimensions.count == 1 else { throw IDXError.wrongRank(expected: 1, actual: file.dimensions.count) }
        return file.bytes
    }

    public static func write(_ labels: [UInt8], to url: URL, gzip: Bool? = nil) throws {
        try IDXFile(dimensions: [labels.count], bytes: labels).write(to: url, gzip: gzip)
    }
}
