import GlyphImaging

/// Scales the glyph with libvips, in one of two ways:
/// - `box: N`: fit inside N×N preserving the aspect ratio (MNIST fits 20×20);
/// - `square_pad: P`: centre on a square of side max(w, h) + 2P, then scale to `size`×`size`
///   (EMNIST: 2 px padding, bicubic to 28×28).
public struct ResizeStage: PipelineStage {
    public static let name = "resize"
    public static let summary = "scale to fit a box (aspect kept), or square ROI with padding to size×size"
    public static let parameters: [StageParameter<Self>] = [
        StageParameter("box", type: "pixels 1…4096", "fit inside box×box, aspect kept (when square_pad is absent)",
                       defaultText: { _ in "20" }, decode: { stage, container, key in
                           guard !container.contains(AnyCodingKey("square_pad")) else { return }
                           if container.contains(AnyCodingKey("size")) {
                               throw DecodingError.dataCorruptedError(
                                   forKey: AnyCodingKey("size"), in: container,
                                   debugDescription: "size goes with square_pad; with box the output fits box×box")
                           }
                           stage.mode = .fit(box: try container.decode(key, default: 20, in: 1...4096))
                       }),
        StageParameter("square_pad", type: "pixels 0…1000", "square ROI with this padding, then scale to size×size",
                       defaultText: { _ in "none" }, decode: { stage, container, key in
                           guard container.contains(key) else { return }
                           if container.contains(AnyCodingKey("box")) {
                               throw DecodingError.dataCorruptedError(
                                   forKey: AnyCodingKey("box"), in: container, debugDescription: "give either box or square_pad, not both")
                           }
                           stage.mode = .squarePad(padding: try container.decode(key, default: 2, in: 0...1000),
                                                   size: try container.decode(AnyCodingKey("size"), default: 28, in: 1...4096))
                       }),
        StageParameter("size", type: "pixels 1…4096", "output side with square_pad",
                       defaultText: { _ in "28" }, decode: { _, _, _ in }),
        .choice("kernel", \.kernel, "interpolation kernel"),
    ]

    /// The interpolation kernel.
    public typealias Kernel = ResamplingKernel

    /// What the output size is.
    public enum Mode: Sendable, Equatable {
        case fit(box: Int)
        case squarePad(padding: Int, size: Int)
    }

    public var mode: Mode = .fit(box: 20)
    public var kernel: Kernel = .cubic

    public var outputSide: Int? { targetSide }
    public var glyphSide: Int? { targetSide }

    /// The side of the square the output fits in.
    public var targetSide: Int {
        switch mode {
        case .fit(let box): return box
        case .squarePad(_, let size): return size
        }
    }

    public init() {}

    public var label: String {
        switch mode {
        case .fit(let box): return "fit \(box)×\(box), \(kernel.rawValue)"
        case .squarePad(let padding, let size): return "square+\(padding) → \(size)², \(kernel.rawValue)"
        }
    }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        var source = image
        let targetWidth: Int, targetHeight: Int
        switch mode {
        case .fit(let box):
            let scale = Double(box) / Double(max(image.width, image.height))
            targetWidth = max(1, min(box, Int((Double(image.width) * scale).rounded())))
            targetHeight = max(1, min(box, Int((Double(image.height) * scale).rounded())))
        case .squarePad(let padding, let size):
            source = Self.centredOnSquare(image, padding: padding)
            targetWidth = size
            targetHeight = size
        }
        if source.width == targetWidth && source.height == targetHeight { return source }
        let hscale = Double(targetWidth) / Double(source.width)
        let vscale = Double(targetHeight) / Double(source.height)
        var resized: Raster
        do {
            resized = try source.resized(horizontalScale: hscale, verticalScale: vscale, kernel: kernel)
        } catch {
            throw StageFailure(.stageError, "\(Self.name): \(error)")
        }
        if resized.width != targetWidth || resized.height != targetHeight {
            resized = Self.fitExactly(resized, width: targetWidth, height: targetHeight)
        }
        return resized
    }

    /// The image centred on a black square of side max(w, h) + 2·padding.
    static func centredOnSquare(_ image: Raster, padding: Int) -> Raster {
        let side = max(image.width, image.height) + 2 * padding
        return image.placed(onCanvasWidth: side, height: side,
                            atX: (side - image.width) / 2, y: (side - image.height) / 2)
    }

    /// Crops or pads by at most a pixel or two, when libvips' rounding differs from ours.
    static func fitExactly(_ image: Raster, width: Int, height: Int) -> Raster {
        image.placed(onCanvasWidth: width, height: height, atX: 0, y: 0)
    }
}

extension Raster {
    /// This image drawn onto a black canvas with its top-left corner at (x, y); parts outside
    /// the canvas are dropped.
    func placed(onCanvasWidth canvasWidth: Int, height canvasHeight: Int, atX offsetX: Int, y offsetY: Int) -> Raster {
        var canvas = [Float](repeating: 0, count: canvasWidth * canvasHeight * channels)
        let x0 = max(0, offsetX), x1 = min(canvasWidth, offsetX + width)
        guard x0 < x1 else { return Raster(width: canvasWidth, height: canvasHeight, channels: channels, pixels: canvas) }
        for y in max(0, offsetY)..<min(canvasHeight, offsetY + height) {
            let sourceRow = (y - offsetY) * width
            for x in x0..<x1 {
                for c in 0..<channels {
                    canvas[(y * canvasWidth + x) * channels + c] = pixels[(sourceRow + x - offsetX) * channels + c]
                }
            }
        }
        return Raster(width: canvasWidth, height: canvasHeight, channels: channels, pixels: canvas)
    }
}
