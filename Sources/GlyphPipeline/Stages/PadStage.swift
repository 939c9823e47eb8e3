import GlyphImaging

/// Centres the image on a black `size`×`size` canvas (MNIST: a 20×20 glyph in 28×28).
public struct PadStage: PipelineStage {
    public static let name = "pad"
    public static let summary = "centre on a black size×size canvas"
    public static let parameters: [StageParameter<Self>] = [
        .number("size", \.size, in: 1...4096, unit: "pixels", "canvas side; the image must fit"),
    ]

    public var size: Int = 28

    public var outputSide: Int? { size }

    public init() {}

    public var label: String { "\(size)×\(size)" }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        guard image.width <= size && image.height <= size else {
            throw StageFailure(.stageError, "pad: a \(image.width)×\(image.height) image does not fit a \(size)×\(size) canvas; resize it first")
        }
        return image.placed(onCanvasWidth: size, height: size,
                            atX: (size - image.width) / 2, y: (size - image.height) / 2)
    }
}
