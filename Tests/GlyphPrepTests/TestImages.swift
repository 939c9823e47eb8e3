import Foundation
@testable import GlyphPrep

/// Small synthetic images with known content.
enum TestImages {
    /// A `width`×`height` gray raster of `background` with `rect` filled with `ink`.
    static func block(width: Int, height: Int, rect: PixelRect, ink: Float = 255, background: Float = 0) -> Raster {
        var image = Raster(width: width, height: height, filledWith: background)
        for y in rect.y..<(rect.y + rect.height) {
            for x in rect.x..<(rect.x + rect.width) { image[x, y] = ink }
        }
        return image
    }

    /// Packed 8-bit RGB: light paper with a dark rectangle.
    static func paperRGB(width: Int, height: Int, ink rect: PixelRect) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let inside = x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height
                let (r, g, b): (UInt8, UInt8, UInt8) = inside ? (20, 20, 60) : (235, 230, 220)
                bytes[(y * width + x) * 3] = r
                bytes[(y * width + x) * 3 + 1] = g
                bytes[(y * width + x) * 3 + 2] = b
            }
        }
        return bytes
    }

    static func context(for image: Raster) -> StageContext {
        StageContext(sourceWidth: image.width, sourceHeight: image.height)
    }

    /// A fresh empty directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("glyphprep-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
