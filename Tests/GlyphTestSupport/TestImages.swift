import Foundation
@testable import GlyphImaging
@testable import GlyphPipeline

/// Small synthetic images with known content.
public enum TestImages {
    /// A `width`×`height` gray raster of `background` with `rect` filled with `ink`.
    public static func block(width: Int, height: Int, rect: PixelRect, ink: Float = 255, background: Float = 0) -> Raster {
        var image = Raster(width: width, height: height, filledWith: background)
        for y in rect.y..<(rect.y + rect.height) {
            for x in rect.x..<(rect.x + rect.width) { image[x, y] = ink }
        }
        return image
    }

    /// Packed 8-bit RGB: light paper with a dark rectangle.
    public static func paperRGB(width: Int, height: Int, ink rect: PixelRect) -> [UInt8] {
        paperRGB(width: width, height: height, strokes: [rect])
    }

    /// An "L" of 4 px strokes filling `box`, as a pen would draw it.
    public static func letterL(in box: PixelRect) -> [PixelRect] {
        [PixelRect(x: box.x, y: box.y, width: 4, height: box.height),
         PixelRect(x: box.x, y: box.y + box.height - 4, width: box.width, height: 4)]
    }

    /// Packed 8-bit RGB: light paper with dark rectangles.
    public static func paperRGB(width: Int, height: Int, strokes: [PixelRect]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let inside = strokes.contains { rect in
                    x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height
                }
                let (r, g, b): (UInt8, UInt8, UInt8) = inside ? (20, 20, 60) : (235, 230, 220)
                bytes[(y * width + x) * 3] = r
                bytes[(y * width + x) * 3 + 1] = g
                bytes[(y * width + x) * 3 + 2] = b
            }
        }
        return bytes
    }

    public static func context(for image: Raster) -> StageContext {
        StageContext(sourceWidth: image.width, sourceHeight: image.height)
    }

    /// A fresh empty directory.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("glyphprep-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A small letter pipeline without a model.
    public static let pipelineYAML = """
        version: 1
        name: test
        stages:
          - decode
          - grayscale
          - invert
          - normalize
          - crop_to_bbox
          - resize: {box: 20}
          - pad: {size: 28}
          - center_of_mass
        """

    /// The EMNIST-like pipeline the training tests render letters through (no classify stage).
    public static let trainingPipelineYAML = """
        version: 1
        name: t
        stages:
          - decode
          - grayscale
          - invert: {mode: auto}
          - normalize
          - crop_to_bbox: {threshold: 0.35}
          - resize: {square_pad: 2, size: 28}

        """
}
