/// An image in memory as the stages see it: row-major, channels interleaved, each sample a
/// `Float` on the 0…255 scale (kept unrounded between stages, rounded once on output).
public struct Raster: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// 1 (grayscale) or 3 (sRGB).
    public var channels: Int
    public var pixels: [Float]

    public init(width: Int, height: Int, channels: Int = 1, pixels: [Float]) {
        precondition(pixels.count == width * height * channels, "pixel count does not match size")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// A grayscale image filled with `value`.
    public init(width: Int, height: Int, filledWith value: Float = 0) {
        self.init(width: width, height: height, channels: 1,
                  pixels: [Float](repeating: value, count: width * height))
    }

    /// Wraps packed 8-bit samples.
    public init(width: Int, height: Int, channels: Int, bytes: [UInt8]) {
        self.init(width: width, height: height, channels: channels, pixels: bytes.map(Float.init))
    }

    /// Wraps 8-bit samples whose rows start at `firstRow + y × rowStride` in `source`.
    static func unpacked(fromSamples source: UnsafeBufferPointer<UInt8>, firstRow: Int, rowStride: Int,
                         width: Int, height: Int, channels: Int) -> Raster {
        let rowLength = width * channels
        let pixels = [Float](unsafeUninitializedCapacity: rowLength * height) { buffer, initialized in
            for y in 0..<height {
                let from = firstRow + y * rowStride, to = y * rowLength
                for i in 0..<rowLength { buffer[to + i] = Float(source[from + i]) }
            }
            initialized = rowLength * height
        }
        return Raster(width: width, height: height, channels: channels, pixels: pixels)
    }

    public var isGrayscale: Bool { channels == 1 }

    /// The grayscale sample at (x, y).
    public subscript(x: Int, y: Int) -> Float {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// Samples rounded to the nearest integer and clamped to 0…255.
    public func bytes() -> [UInt8] {
        pixels.map { UInt8(clamping: Int(($0 + 0.5).rounded(.down))) }
    }

    /// The rectangle `rect`, which must lie inside the image.
    public func cropped(to rect: PixelRect) -> Raster {
        var out = [Float]()
        out.reserveCapacity(rect.width * rect.height * channels)
        for y in rect.y..<(rect.y + rect.height) {
            let start = (y * width + rect.x) * channels
            out.append(contentsOf: pixels[start..<(start + rect.width * channels)])
        }
        return Raster(width: rect.width, height: rect.height, channels: channels, pixels: out)
    }
}

/// An axis-aligned rectangle in pixel coordinates.
public struct PixelRect: Sendable, Equatable, Codable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}
