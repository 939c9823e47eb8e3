import GlyphImaging

/// The first stage: reads an image file into an 8-bit raster (gray or sRGB) with
/// `ImageDecoder`, at a working scale chosen for the pipeline.
///
/// Images much larger than the pipeline needs are brought down to 1/2, 1/4 or 1/8 of the
/// source (`shrink`). JPEG and WebP get there while loading, which is most of the speed; other
/// formats, or `shrink_on_load: false`, decode in full and then average blocks. Either way the
/// stages after see the same scale, so pixel-sized parameters (blur σ, `min_area`) mean the
/// same for every file.
public struct DecodeStage: DeclaredStage, Equatable {
    public static let name = "decode"
    public static let summary = "read any format libvips can (EXIF orientation, alpha onto white, 16→8 bit, CMYK), with shrink-on-load"
    public static let parameters: [StageParameter<Self>] = [
        .number("max_pixels", \.maxPixels, in: 1...Int(Int64.max), unit: "pixels",
                "images that would decode (after shrink-on-load) to more pixels fail with too_large, before decoding (decompression bomb guard)"),
        StageParameter("shrink", type: "auto | 1 | 2 | 4 | 8",
                       "working scale 1/shrink of the source; auto: the largest keeping the shorter side ≥ min_side; 1: full resolution",
                       defaultText: { $0.shrink.description }, decode: { stage, container, key in
                           if let shrink = try Shrink(container, key) { stage.shrink = shrink }
                       }),
        .number("min_side", \.minSide, in: 1...Int(Int64.max), unit: "pixels", none: "16 × the resize target",
                "shorter side kept when shrink is auto"),
        .flag("shrink_on_load", \.shrinkOnLoad,
              "reach the working scale while loading where the format allows (JPEG, WebP); false decodes in full, then averages blocks (slower; the reference for checking the fast route)"),
        .flag("coarse_to_fine", \.coarseToFine,
              "opt-in (changes outputs, so models trained without it no longer rebuild identically); with shrink auto, on JPEG and PNG pages whose working scale is 1/2 or 1/4: find the letter on a proxy at half that scale first and finish there when the letter is big and bold enough (letter_side, min_stroke); else decode at the working scale as before"),
        .number("letter_side", \.letterSide, in: 1...Int(Int32.max), unit: "pixels", none: "2 × the resize target",
                "coarse_to_fine: the letter's longer side on the proxy needed to finish there"),
        .number("min_stroke", \.minStroke, in: 0.5...64, unit: "pixels",
                "coarse_to_fine: the letter's mean stroke width on the proxy needed to finish there (2 × area / perimeter of its ink)"),
        .number("dpi", \.dpi, in: 10...2400, unit: "dots per inch",
                "resolution PDF pages are rendered at (with libvips' poppler loader), before shrink"),
    ]

    /// How much smaller than the source the stages work.
    public enum Shrink: Sendable, Equatable, CustomStringConvertible {
        case auto
        case fixed(Int)

        public var description: String {
            switch self {
            case .auto: "auto"
            case .fixed(let factor): String(factor)
            }
        }

        /// `auto` or 1, 2, 4, 8 from YAML; nil when absent.
        init?(_ container: KeyedDecodingContainer<AnyCodingKey>, _ key: AnyCodingKey) throws {
            if let text = try? container.decodeIfPresent(String.self, forKey: key), Int(text) == nil {
                guard text == "auto" else {
                    throw DecodingError.dataCorruptedError(
                        forKey: key, in: container, debugDescription: "shrink must be auto, 1, 2, 4 or 8, got '\(text)'")
                }
                self = .auto
            } else if let factor = try container.decodeIfPresent(Int.self, forKey: key) {
                guard [1, 2, 4, 8].contains(factor) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: key, in: container, debugDescription: "shrink must be auto, 1, 2, 4 or 8, got \(factor)")
                }
                self = .fixed(factor)
            } else {
                return nil
            }
        }
    }

    public var maxPixels: Int = 100_000_000
    public var shrink: Shrink = .auto
    /// Shorter side to keep with `shrink: auto`; nil means 16 × the pipeline's resize target.
    public var minSide: Int?
    public var shrinkOnLoad = true
    public var coarseToFine = false
    /// The letter's longer side on the proxy needed to finish there; nil: 2 × the resize target.
    public var letterSide: Int?
    public var minStroke: Double = 2
    public var dpi: Double = 300

    public init() {}

    public var label: String {
        let after = shrinkOnLoad ? "" : ", after load"
        switch shrink {
        case .auto: return "shrink auto" + after
        case .fixed(let factor): return "shrink \(factor)" + after
        }
    }

    /// The decoder's plan: `lumaOnly` when the next stage computes Rec. 601 luma anyway,
    /// `defaultMinSide` when `min_side` is not set.
    public func plan(lumaOnly: Bool = false, defaultMinSide: Int = 320) -> DecodePlan {
        let policy: DecodePlan.Shrink = switch shrink {
        case .auto: .auto(minSide: minSide ?? defaultMinSide)
        case .fixed(let factor): .fixed(factor)
        }
        return DecodePlan(shrink: policy, maxPixels: maxPixels, lumaOnly: lumaOnly, shrinkOnLoad: shrinkOnLoad, dpi: dpi)
    }

    /// Decodes a whole file already in memory by `plan`, with the context the stages start from.
    public static func decode(_ buffer: FileBytes, plan: DecodePlan) throws(StageFailure) -> (Raster, StageContext) {
        let decoded: DecodedImage
        do {
            decoded = try ImageDecoder.decode(buffer, plan: plan)
        } catch {
            throw StageFailure(error)
        }
        return start(decoded)
    }

    /// A decoded image with the context the stages start from.
    static func start(_ decoded: DecodedImage) -> (Raster, StageContext) {
        var context = StageContext(sourceWidth: decoded.sourceWidth, sourceHeight: decoded.sourceHeight)
        context.scaleX = Double(decoded.sourceWidth) / Double(decoded.raster.width)
        context.scaleY = Double(decoded.sourceHeight) / Double(decoded.raster.height)
        context.decodeShrink = decoded.shrink
        return (decoded.raster, context)
    }

    /// Decodes `data` (a whole file) with this stage's parameters.
    public func decode(_ data: [UInt8], lumaOnly: Bool = false, defaultMinSide: Int = 320) throws(StageFailure) -> (Raster, StageContext) {
        try Self.decode(FileBytes(data), plan: plan(lumaOnly: lumaOnly, defaultMinSide: defaultMinSide))
    }
}
