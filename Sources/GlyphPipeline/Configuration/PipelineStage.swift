import GlyphImaging

/// One step of a pipeline that turns a raster into another raster.
///
/// Stages are value types decoded from the pipeline's YAML. They must be pure functions of
/// their parameters, the input raster and the context, so that runs are deterministic.
public protocol PipelineStage: DeclaredStage {
    /// Whether the stage needs a single-channel image (a `grayscale` stage before it).
    static var needsGrayscale: Bool { get }
    /// Whether the stage turns any image into a single-channel one (`grayscale`).
    static var makesGrayscale: Bool { get }
    /// Whether the stage, first after `decode`, makes the same image from a Rec. 601 luma
    /// decode as from the colour one (the decoder then reads luma only).
    var acceptsLumaDecode: Bool { get }
    /// The side of the square image the stage outputs, when it fixes one (`pad`, `resize`).
    var outputSide: Int? { get }
    /// The side the stage scales the glyph to, when it does (`resize`).
    var glyphSide: Int? { get }

    func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster
}

extension PipelineStage {
    public static var needsGrayscale: Bool { true }
    public static var makesGrayscale: Bool { false }
    public var acceptsLumaDecode: Bool { false }
    public var outputSide: Int? { nil }
    public var glyphSide: Int? { nil }
}

/// Documentation of one stage parameter.
public struct ParameterDoc: Sendable, Equatable {
    public var name: String
    public var type: String
    public var defaultValue: String
    public var help: String

    public init(_ name: String, _ type: String, default defaultValue: String, _ help: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.help = help
    }
}

/// Per-file facts that stages read and record while a file moves through the pipeline.
public struct StageContext: Sendable, Equatable {
    /// The source image's size in pixels, after EXIF orientation.
    public var sourceWidth: Int
    public var sourceHeight: Int
    /// Maps raster coordinates to source pixels: `source = origin + raster * scale`.
    public var originX: Double = 0
    public var originY: Double = 0
    public var scaleX: Double = 1
    public var scaleY: Double = 1
    /// The ink's bounding box in source pixels, once `crop_to_bbox` has run.
    public var inkBox: PixelRect?
    /// How many letters stand side by side in the ink `crop_to_bbox` kept (2 or more: a page of
    /// letters through a single-letter pipeline).
    public var separateLetters: Int?
    /// Whether `invert` flipped the image's polarity.
    public var inverted: Bool?
    /// The shrink factor used when decoding (1 = full resolution).
    public var decodeShrink: Int = 1
    /// Pixels of the page's working scale (`shrink: auto`) per pixel of this raster: 1, or ½
    /// on coarse-to-fine's proxy (half the working scale). Pixel-sized parameters (blur σ, `min_area`, `margin`) are multiplied by it (areas by
    /// its square), so they keep their meaning at either scale.
    public var pixelScale: Double = 1

    public init(sourceWidth: Int, sourceHeight: Int) {
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
    }

    /// A length in pixels of the page's working scale, in pixels of this raster.
    func scaledLength(_ length: Int) -> Int {
        pixelScale == 1 ? length : Int((Double(length) * pixelScale).rounded())
    }

    /// An area in pixels of the page's working scale, in pixels of this raster (at least 1).
    func scaledArea(_ area: Int) -> Int {
        pixelScale == 1 ? area : max(1, Int((Double(area) * pixelScale * pixelScale).rounded()))
    }

    /// Records that the raster now shows `rect` of the previous raster.
    mutating func crop(to rect: PixelRect) {
        originX += Double(rect.x) * scaleX
        originY += Double(rect.y) * scaleY
    }

    /// `rect` of the current raster, in source pixels (rounded outwards, clipped to the source).
    func sourceRect(for rect: PixelRect) -> PixelRect {
        let x0 = max(0, Int((originX + Double(rect.x) * scaleX).rounded(.down)))
        let y0 = max(0, Int((originY + Double(rect.y) * scaleY).rounded(.down)))
        let x1 = min(sourceWidth, Int((originX + Double(rect.x + rect.width) * scaleX).rounded(.up)))
        let y1 = min(sourceHeight, Int((originY + Double(rect.y + rect.height) * scaleY).rounded(.up)))
        return PixelRect(x: x0, y: y0, width: max(0, x1 - x0), height: max(0, y1 - y0))
    }
}

/// Stable error codes written to the manifest. Scripts may match on them.
public enum ErrorCode: String, Sendable, Codable, CaseIterable {
    /// The file could not be read (permissions, I/O error, it vanished).
    case readError = "read_error"
    /// The file is empty.
    case emptyFile = "empty_file"
    /// No installed libvips loader recognises the file's contents.
    case unsupportedFormat = "unsupported_format"
    /// The loader recognised the file but it is corrupt or truncated.
    case decodeError = "decode_error"
    /// The image has more pixels than the decode stage's `max_pixels`.
    case tooLarge = "too_large"
    /// No ink was found: a blank page, or specks smaller than `min_area`.
    case noInk = "no_ink"
    /// A symbolic link that points outside the input directory.
    case outsideInput = "outside_input"
    /// A stage could not process this image.
    case stageError = "stage_error"
    /// The output image could not be written.
    case writeError = "write_error"
    /// The model could not classify this image.
    case classifyError = "classify_error"
}

/// A per-file failure: a stable code and a message naming the cause.
public struct StageFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

extension StageFailure {
    /// The manifest's code and message for a file that could not be read or decoded.
    public init(_ error: ImageError) {
        let code: ErrorCode = switch error.kind {
        case .read: .readError
        case .empty: .emptyFile
        case .unsupportedFormat: .unsupportedFormat
        case .decode: .decodeError
        case .tooLarge: .tooLarge
        }
        self.init(code, error.message)
    }
}
