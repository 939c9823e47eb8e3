import CVips
import CVipsShims

/// Reads an image file with libvips into an 8-bit raster (gray or sRGB).
///
/// Honours EXIF orientation, flattens alpha onto white paper, reduces 16-bit to 8-bit,
/// converts CMYK and other colour spaces to sRGB, refuses images over `max_pixels` before
/// decoding their pixels, and makes truncated or corrupt files fail instead of decoding to a
/// silently black image.
///
/// Images much larger than the pipeline needs are brought down to a working scale (1/2, 1/4
/// or 1/8 of the source, `shrink`). JPEG and WebP get there while loading (DCT-domain scaling
/// for JPEG), which is most of the speed; other formats, or `shrink_on_load: false`, decode in
/// full and then average `shrink`×`shrink` blocks. Either way the stages after see the same
/// scale, so pixel-sized parameters (blur σ, `min_area`) mean the same for every file.
public struct DecodeStage: Sendable, Decodable, Equatable {
    public static let name = "decode"
    public static let summary = "read any format libvips can (EXIF orientation, alpha onto white, 16→8 bit, CMYK), with shrink-on-load"
    public static let parameters = [
        ParameterDoc("max_pixels", "pixels ≥ 1", default: "100000000", "images that would decode (after shrink-on-load) to more pixels fail with too_large, before decoding (decompression bomb guard)"),
        ParameterDoc("shrink", "auto | 1 | 2 | 4 | 8", default: "auto", "working scale 1/shrink of the source; auto: the largest keeping the shorter side ≥ min_side; 1: full resolution"),
        ParameterDoc("min_side", "pixels ≥ 1", default: "16 × the resize target", "shorter side kept when shrink is auto"),
        ParameterDoc("shrink_on_load", "true | false", default: "true", "reach the working scale while loading where the format allows (JPEG, WebP); false decodes in full, then averages blocks (slower; the reference for checking the fast route)"),
    ]

    /// How much smaller than the source the stages work.
    public enum Shrink: Sendable, Equatable {
        case auto
        case fixed(Int)
    }

    public var maxPixels: Int = 100_000_000
    public var shrink: Shrink = .auto
    /// Set when the next stage is Rec. 601 `grayscale`: JPEGs are then decoded luma-only
    /// with libjpeg-turbo, which is what that stage would compute anyway.
    public var lumaOnly = false
    /// Shorter side to keep with `shrink: auto`; nil means 16 × the pipeline's resize target.
    public var minSide: Int?
    /// Whether JPEG and WebP reach the working scale while loading (else: full decode, then
    /// block averages).
    public var shrinkOnLoad = true

    public init(maxPixels: Int = 100_000_000, shrink: Shrink = .auto, minSide: Int? = nil, shrinkOnLoad: Bool = true) {
        self.maxPixels = maxPixels
        self.shrink = shrink
        self.minSide = minSide
        self.shrinkOnLoad = shrinkOnLoad
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxPixels = "max_pixels", shrink, minSide = "min_side", shrinkOnLoad = "shrink_on_load"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: CodingKeys.allCases.map(\.rawValue), in: Self.name)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        maxPixels = try container.decode(.maxPixels, default: 100_000_000, in: 1...Int(Int64.max))
        if let text = try? container.decodeIfPresent(String.self, forKey: .shrink), Int(text) == nil {
            guard text == "auto" else {
                throw DecodingError.dataCorruptedError(
                    forKey: .shrink, in: container, debugDescription: "shrink must be auto, 1, 2, 4 or 8, got '\(text)'")
            }
            shrink = .auto
        } else if let factor = try container.decodeIfPresent(Int.self, forKey: .shrink) {
            guard [1, 2, 4, 8].contains(factor) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .shrink, in: container, debugDescription: "shrink must be auto, 1, 2, 4 or 8, got \(factor)")
            }
            shrink = .fixed(factor)
        }
        minSide = try container.decodeIfPresent(Int.self, forKey: .minSide)
        if let minSide, minSide < 1 {
            throw DecodingError.dataCorruptedError(
                forKey: .minSide, in: container, debugDescription: "min_side must be at least 1, got \(minSide)")
        }
        shrinkOnLoad = try container.decodeIfPresent(Bool.self, forKey: .shrinkOnLoad) ?? true
    }

    public var label: String {
        let after = shrinkOnLoad ? "" : ", after load"
        switch shrink {
        case .auto: return "shrink auto" + after
        case .fixed(let factor): return "shrink \(factor)" + after
        }
    }

    /// The working scale's shrink factor for an image whose shorter side is `shortSide`.
    func shrinkFactor(shortSide: Int, defaultMinSide: Int) -> Int {
        switch shrink {
        case .fixed(let factor): return factor
        case .auto:
            let keep = minSide ?? defaultMinSide
            var factor = 1
            while factor < 8 && shortSide / (factor * 2) >= keep { factor *= 2 }
            return factor
        }
    }

    /// Decodes `data` (a whole file). `defaultMinSide` is used when `min_side` is not set.
    public func decode(_ data: [UInt8], defaultMinSide: Int = 320) throws(StageFailure) -> (Raster, StageContext) {
        try decode(FileBytes(data), defaultMinSide: defaultMinSide)
    }

    /// Decodes a whole file already in memory.
    public func decode(_ buffer: FileBytes, defaultMinSide: Int = 320) throws(StageFailure) -> (Raster, StageContext) {
        guard buffer.count > 0 else { throw StageFailure(.emptyFile, "the file is empty") }
        let bytes = buffer.bytes
        if lumaOnly, bytes.count > 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF,
           let decoded = try decodeLuma(bytes, defaultMinSide: defaultMinSide) {
            return decoded
        }
        if let header = PNGDecoder.header(bytes), header.width * header.height <= Self.wholeImageLimit,
           case let factor = shrinkFactor(shortSide: min(header.width, header.height), defaultMinSide: defaultMinSide),
           lumaOnly || factor == 1 {
            try checkSize(width: header.width, height: header.height, shrink: 1)
            if let pixels = PNGDecoder.decode(bytes, header: header) {
                let raster = pixels.withSamples { samples in
                    lumaOnly
                        ? Raster.luma(fromSamples: samples, firstRow: 1, rowStride: pixels.rowStride, width: pixels.width,
                                      height: pixels.height, channels: pixels.channels, boxReducedBy: factor)
                        : Raster.unpacked(fromSamples: samples, firstRow: 1, rowStride: pixels.rowStride, width: pixels.width,
                                          height: pixels.height, channels: pixels.channels)
                }
                return (raster, Self.context(sourceWidth: header.width, sourceHeight: header.height, of: raster, shrink: factor))
            }
        }
        var loader = ""
        do {
            loader = try VipsRuntime.perform("vips_foreign_find_load_buffer") { () -> String? in
                Optional(gpv_find_load_buffer(buffer.base, buffer.count).map { String(cString: $0) } ?? "")
            }
            guard !loader.isEmpty else {
                throw StageFailure(.unsupportedFormat, "not an image format libvips can read (starts with \(Self.signature(Array(bytes.prefix(8)))))")
            }
            let header = try VipsImage.make("vips_image_new_from_buffer", backing: buffer) {
                gpv_load_buffer(buffer.base, buffer.count, $0)
            }
            let factor = shrinkFactor(shortSide: min(header.width, header.height), defaultMinSide: defaultMinSide)
            let canShrink = shrinkOnLoad && (loader.hasPrefix("VipsForeignLoadJpeg") || loader.hasPrefix("VipsForeignLoadWebp"))
            try checkSize(width: header.width, height: header.height, shrink: canShrink ? factor : 1)
            let rotated = header.orientation >= 5
            let raster: Raster
            do {
                raster = try load(buffer, loader: loader, shrink: factor)
            } catch {
                // A lazy decode that failed stays failed: repeat it from the start, alone, so
                // the message is this file's (see `VipsRuntime`).
                raster = try VipsRuntime.exclusively { () throws(VipsError) in
                    try load(buffer, loader: loader, shrink: factor)
                }
            }
            return (raster, Self.context(sourceWidth: rotated ? header.height : header.width,
                                         sourceHeight: rotated ? header.width : header.height, of: raster, shrink: factor))
        } catch let error as StageFailure {
            throw error
        } catch let error as VipsError {
            // libpng's words can be as vague as "read error": add what the PNG route found.
            let cause = PNGDecoder.damage(bytes).map { " (\($0))" } ?? ""
            throw StageFailure(.decodeError, "\(loader.isEmpty ? error.operation : loader): \(error.message)\(cause)")
        } catch {
            throw StageFailure(.decodeError, "\(error)")
        }
    }

    /// The context of `raster` decoded from a source of the given (upright) size at working
    /// scale 1/`shrink`.
    private static func context(sourceWidth: Int, sourceHeight: Int, of raster: Raster, shrink: Int) -> StageContext {
        var context = StageContext(sourceWidth: sourceWidth, sourceHeight: sourceHeight)
        context.scaleX = Double(sourceWidth) / Double(raster.width)
        context.scaleY = Double(sourceHeight) / Double(raster.height)
        context.decodeShrink = shrink
        return context
    }

    /// Images with more pixels than this are never held in memory at full size when a
    /// reduced copy is all the pipeline needs.
    static let wholeImageLimit = 16_000_000

    /// Refuses images that would decode to more than `max_pixels` pixels (after any
    /// shrink-on-load), before any pixel is decoded.
    private func checkSize(width: Int, height: Int, shrink: Int) throws(StageFailure) {
        let decoded = ((width + shrink - 1) / shrink) * ((height + shrink - 1) / shrink)
        guard decoded <= maxPixels else {
            let scale = shrink > 1 ? " at 1/\(shrink) scale" : ""
            throw StageFailure(.tooLarge, "\(width)×\(height) decodes to \(decoded) pixels\(scale), over max_pixels \(maxPixels)")
        }
    }

    /// The libjpeg-turbo route for JPEGs when only luma is needed; nil when this JPEG needs
    /// libvips (CMYK, or a header TurboJPEG cannot read).
    private func decodeLuma(_ bytes: UnsafeRawBufferPointer, defaultMinSide: Int) throws(StageFailure) -> (Raster, StageContext)? {
        guard let header = JPEGLumaDecoder.header(bytes) else { return nil }
        let factor = shrinkFactor(shortSide: min(header.width, header.height), defaultMinSide: defaultMinSide)
        let loadFactor = shrinkOnLoad ? factor : 1
        try checkSize(width: header.width, height: header.height, shrink: loadFactor)
        let orientation = ExifOrientation.read(jpeg: bytes)
        switch JPEGLumaDecoder.decode(bytes, shrink: loadFactor) {
        case .failure(let error):
            throw StageFailure(.decodeError, "libjpeg-turbo: \(error.message)")
        case .success(let stored):
            let working = factor == loadFactor
                ? Raster(width: stored.width, height: stored.height, channels: 1, bytes: stored.bytes)
                : Raster.luma(fromBytes: stored.bytes, width: stored.width, height: stored.height,
                              channels: 1, boxReducedBy: factor / loadFactor)
            let raster = ExifOrientation.apply(orientation, to: working)
            let rotated = orientation >= 5
            return (raster, Self.context(sourceWidth: rotated ? header.height : header.width,
                                         sourceHeight: rotated ? header.width : header.height, of: raster, shrink: factor))
        }
    }

    /// Loads the image (shrunk when the loader can) and computes its pixels.
    private func load(_ buffer: FileBytes, loader: String, shrink factor: Int) throws(VipsError) -> Raster {
        let image: VipsImage
        let loaderShrinks = shrinkOnLoad && (loader.hasPrefix("VipsForeignLoadJpeg") || loader.hasPrefix("VipsForeignLoadWebp"))
        if factor > 1 && loaderShrinks && loader.hasPrefix("VipsForeignLoadJpeg") {
            image = try VipsImage.make("vips_jpegload_buffer", backing: buffer) {
                gpv_jpegload_buffer(buffer.base, buffer.count, Int32(factor), $0)
            }
        } else if factor > 1 && loaderShrinks && loader.hasPrefix("VipsForeignLoadWebp") {
            image = try VipsImage.make("vips_webpload_buffer", backing: buffer) {
                gpv_webpload_buffer(buffer.base, buffer.count, 1 / Double(factor), $0)
            }
        } else {
            image = try VipsImage.make("vips_image_new_from_buffer", backing: buffer) {
                gpv_load_buffer(buffer.base, buffer.count, $0)
            }
        }
        // Loaders that did not shrink (PNG, TIFF, …, or shrink_on_load: false) average
        // factor×factor blocks, as the JPEG path's DCT scaling does: for luma in one Swift pass
        // while converting, or, for colour and for images over 16 MP, as libvips streams the
        // rows, so the full-size image never sits in memory.
        let boxShrink = loaderShrinks ? 1 : factor
        let streamed = boxShrink > 1 && (!lumaOnly || image.width * image.height > Self.wholeImageLimit)
        let pixels = try Self.readPixels(image, boxShrink: streamed ? boxShrink : 1)
        if lumaOnly {
            return Raster.luma(fromBytes: pixels.bytes, width: pixels.width, height: pixels.height,
                               channels: pixels.bands, boxReducedBy: streamed ? 1 : boxShrink)
        }
        return Raster(width: pixels.width, height: pixels.height, channels: pixels.bands, bytes: pixels.bytes)
    }

    /// Orientation, colour space, alpha and depth fixed, then every pixel computed.
    static func readPixels(_ loaded: VipsImage, boxShrink: Int = 1) throws(VipsError) -> (bytes: [UInt8], width: Int, height: Int, bands: Int) {
        var image = loaded
        if image.orientation != 1 {
            image = try image.derive("vips_autorot") { gpv_autorot($0, $1) }
        }
        let space = image.interpretation
        let grayLike = space == VIPS_INTERPRETATION_B_W || space == VIPS_INTERPRETATION_GREY16
        let rgbLike = space == VIPS_INTERPRETATION_sRGB || space == VIPS_INTERPRETATION_RGB16
            || space == VIPS_INTERPRETATION_RGB
        if !grayLike && !rgbLike {
            image = try image.derive("vips_colourspace") { gpv_colourspace($0, $1, VIPS_INTERPRETATION_sRGB) }
        }
        if image.hasAlpha {
            image = try image.derive("vips_flatten") { gpv_flatten_white($0, $1) }
        }
        if image.format != VIPS_FORMAT_UCHAR {
            image = try image.derive("vips_cast") { gpv_cast_uchar($0, $1) }
        }
        let bands = image.bands >= 3 ? 3 : 1
        if image.bands != bands {
            image = try image.derive("vips_extract_band") { gpv_extract_band($0, $1, 0, Int32(bands)) }
        }
        if boxShrink > 1 {
            image = try image.derive("vips_shrink") { gpv_shrink($0, $1, Double(boxShrink)) }
        }
        return (try image.pixelBytes(), image.width, image.height, bands)
    }

    /// The first bytes of a file, for messages about unrecognised formats.
    static func signature(_ data: [UInt8]) -> String {
        let head = data.prefix(8)
        let text = String(decoding: head, as: UTF8.self)
        if head.allSatisfy({ (32..<127).contains($0) }) { return "\"\(text)\"" }
        return head.map { String($0, radix: 16).leftPadded(2) }.joined(separator: " ")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
