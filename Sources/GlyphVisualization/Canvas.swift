import GlyphImaging

/// An 8-bit sRGB colour.
public struct RGB: Sendable, Hashable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    public init(hex: UInt32) {
        self.init(UInt8((hex >> 16) & 0xFF), UInt8((hex >> 8) & 0xFF), UInt8(hex & 0xFF))
    }

    public var description: String { "(\(r),\(g),\(b))" }

    static let white = RGB(255, 255, 255)
    static let ink = RGB(34, 34, 40)
    static let muted = RGB(110, 110, 120)
    public static let background = RGB(246, 246, 243)
    static let frame = RGB(200, 200, 196)
    static let unused = RGB(128, 128, 128)
    static let unusedHatch = RGB(170, 170, 170)
    static let error = RGB(196, 40, 40)
    static let errorFill = RGB(252, 228, 226)
    static let highlight = RGB(255, 40, 40)
    static let bar = RGB(49, 104, 142)
    static let barMuted = RGB(160, 180, 196)
}

/// An RGB image in memory to draw previews, heat maps and contact sheets on. Drawing is
/// clipped to the canvas.
public struct Canvas: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major RGB bytes.
    public private(set) var bytes: [UInt8]

    public init(width: Int, height: Int, background: RGB = .background) {
        self.width = max(0, width)
        self.height = max(0, height)
        bytes = [UInt8](repeating: 0, count: self.width * self.height * 3)
        fill(PixelRect(x: 0, y: 0, width: self.width, height: self.height), background)
    }

    public subscript(x: Int, y: Int) -> RGB {
        let i = (y * width + x) * 3
        return RGB(bytes[i], bytes[i + 1], bytes[i + 2])
    }

    private mutating func set(_ x: Int, _ y: Int, _ color: RGB) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        bytes[i] = color.r
        bytes[i + 1] = color.g
        bytes[i + 2] = color.b
    }

    private func clip(_ rect: PixelRect) -> (x0: Int, y0: Int, x1: Int, y1: Int) {
        (max(0, rect.x), max(0, rect.y), min(width, rect.x + rect.width), min(height, rect.y + rect.height))
    }

    public mutating func fill(_ rect: PixelRect, _ color: RGB) {
        let (x0, y0, x1, y1) = clip(rect)
        guard x0 < x1 else { return }
        for y in y0..<max(y0, y1) {
            for x in x0..<x1 { set(x, y, color) }
        }
    }

    /// An outline `thickness` pixels wide just inside `rect`.
    public mutating func stroke(_ rect: PixelRect, _ color: RGB, thickness: Int = 1) {
        let t = min(thickness, rect.width, rect.height)
        fill(PixelRect(x: rect.x, y: rect.y, width: rect.width, height: t), color)
        fill(PixelRect(x: rect.x, y: rect.y + rect.height - t, width: rect.width, height: t), color)
        fill(PixelRect(x: rect.x, y: rect.y, width: t, height: rect.height), color)
        fill(PixelRect(x: rect.x + rect.width - t, y: rect.y, width: t, height: rect.height), color)
    }

    /// `background` crossed by diagonal lines of `line`, `spacing` pixels apart: marks cells
    /// and panels that hold no data.
    public mutating func hatch(_ rect: PixelRect, background: RGB, line: RGB, spacing: Int = 4) {
        let (x0, y0, x1, y1) = clip(rect)
        guard x0 < x1, y0 < y1 else { return }
        let step = max(2, spacing)
        for y in y0..<y1 {
            for x in x0..<x1 { set(x, y, (x + y) % step == 0 ? line : background) }
        }
    }

    /// Copies a raster (gray or RGB, samples clamped to 0…255) with its top-left at (x, y).
    public mutating func draw(_ raster: Raster, x: Int, y: Int) {
        let bytes = raster.bytes()
        for row in 0..<raster.height {
            for column in 0..<raster.width {
                let i = (row * raster.width + column) * raster.channels
                let color = raster.channels >= 3 ? RGB(bytes[i], bytes[i + 1], bytes[i + 2])
                    : RGB(bytes[i], bytes[i], bytes[i])
                set(x + column, y + row, color)
            }
        }
    }

    public mutating func draw(_ canvas: Canvas, x: Int, y: Int) {
        for row in 0..<canvas.height {
            for column in 0..<canvas.width { set(x + column, y + row, canvas[column, row]) }
        }
    }

    /// Paints `color` through a coverage mask (text) with its top-left at (x, y).
    mutating func paint(_ mask: TextMask, x: Int, y: Int, color: RGB) {
        for row in 0..<mask.height {
            for column in 0..<mask.width {
                let alpha = Int(mask.coverage[row * mask.width + column])
                let px = x + column, py = y + row
                guard alpha > 0, px >= 0, py >= 0, px < width, py < height else { continue }
                let under = self[px, py]
                func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Int(a) * alpha + Int(b) * (255 - alpha) + 127) / 255) }
                set(px, py, RGB(mix(color.r, under.r), mix(color.g, under.g), mix(color.b, under.b)))
            }
        }
    }

    /// Draws one line of text with its top-left at (x, y), shortened with "…" to fit
    /// `maxWidth`; returns the width drawn.
    @discardableResult
    mutating func text(_ string: String, x: Int, y: Int, style: TextStyle = .body, color: RGB = .ink,
                       maxWidth: Int? = nil) throws(VipsError) -> Int {
        let mask = try TextRenderer.render(string, style: style, maxWidth: maxWidth)
        paint(mask, x: x, y: y, color: color)
        return mask.width
    }

    /// The mean of all samples inside `rect` (0…255).
    public func mean(in rect: PixelRect) -> Double {
        let (x0, y0, x1, y1) = clip(rect)
        guard x0 < x1, y0 < y1 else { return 0 }
        var sum = 0
        for y in y0..<y1 {
            for x in x0..<x1 {
                let c = self[x, y]
                sum += Int(c.r) + Int(c.g) + Int(c.b)
            }
        }
        return Double(sum) / Double((x1 - x0) * (y1 - y0) * 3)
    }

    /// The canvas as an RGB raster.
    public var raster: Raster { Raster(width: width, height: height, channels: 3, bytes: bytes) }

    public func png() throws(VipsError) -> [UInt8] {
        try ImageEncoder.encode(bytes: bytes, width: width, height: height, bands: 3, as: .png)
    }
}
