import CVips
import CVipsShims

/// How to decode one file: the working scale, the pixel budget and whether luma is enough.
/// Built once from a pipeline's configuration.
public struct DecodePlan: Sendable, Equatable {
    /// How much smaller than the source the decoded raster is.
    public enum Shrink: Sendable, Equatable {
        /// The largest of 1, 2, 4, 8 that keeps the shorter side at least `minSide`.
        case auto(minSide: Int)
        /// This factor (1, 2, 4 or 8), whatever the size.
        case fixed(Int)
    }

    public var shrink: Shrink
    /// Images that would decode (after shrink-on-load) to more pixels fail before decoding.
    public var maxPixels: Int
    /// Decode Rec. 601 luma only (JPEGs then go through libjpeg-turbo's luma-only route).
    public var lumaOnly: Bool
    /// Whether JPEG and WebP reach the working scale while loading (else: full decode, then
    /// block averages).
    public var shrinkOnLoad: Bool
    /// Which page of a multi-page TIFF or PDF (0-based; other formats have only page 0).
    public var page: Int
    /// The resolution PDF pages are rendered at, in dots per inch.
    public var dpi: Double

    public init(shrink: Shrink, maxPixels: Int = 100_000_000, lumaOnly: Bool = false, shrinkOnLoad: Bool = true,
                page: Int = 0, dpi: Double = 300) {
        self.shrink = shrink
        self.maxPixels = maxPixels
        self.lumaOnly = lumaOnly
        self.shrinkOnLoad = shrinkOnLoad
        self.page = page
        self.dpi = dpi
    }

    /// The shrink factor for an image whose shorter side is `shortSide`.
    public func factor(shortSide: Int) -> Int {
        switch shrink {
        case .fixed(let factor): return factor
        case .auto(let minSide):
            var factor = 1
            while factor < 8 && shortSide / (factor * 2) >= minSide { factor *= 2 }
            return factor
        }
    }
}

/// A decoded image: 8-bit gray or sRGB at the working scale, upright, alpha flattened.
public struct DecodedImage: Sendable {
    public var raster: Raster
    /// The source's size in pixels, after EXIF orientation.
    public var sourceWidth: Int
    public var sourceHeight: Int
    /// The shrink factor used (1 = full resolution).
    public var shrink: Int
}

/// Decodes whole files with libvips, libjpeg-turbo (luma-only JPEG) and libdeflate (PNG).
///
/// Honours EXIF orientation, flattens alpha onto white paper, reduces 16-bit to 8-bit,
/// converts CMYK and other colour spaces to sRGB, refuses images over the plan's pixel budget
/// before decoding their pixels, and makes truncated or corrupt files fail instead of decoding
/// to a silently black image. JPEG and WebP reach the working scale while loading (DCT-domain
/// scaling for JPEG); other formats decode in full and then average blocks, so every format
/// ends at the same scale.
public enum ImageDecoder {
    /// Images with more pixels than this are never held in memory at full size when a
    /// reduced copy is all that is needed.
    static let wholeImageLimit = 16_000_000

    public static func decode(_ buffer: FileBytes, plan: DecodePlan) throws(ImageError) -> DecodedImage {
        guard buffer.count > 0 else { throw ImageError(.empty, "the file is empty") }
        let bytes = buffer.bytes
        if plan.lumaOnly, bytes.count > 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF,
           let decoded = try decodeLuma(bytes, plan: plan) {
            return decoded
        }
        if let header = PNGDecoder.header(bytes), header.width * header.height <= wholeImageLimit,
           case let factor = plan.factor(shortSide: min(header.width, header.height)),
           plan.lumaOnly || factor == 1 {
            try checkSize(width: header.width, height: header.height, shrink: 1, plan: plan)
            if let pixels = PNGDecoder.decode(bytes, header: header) {
                let raster = pixels.withSamples { samples in
                    plan.lumaOnly
                        ? Raster.luma(fromSamples: samples, firstRow: 1, rowStride: pixels.rowStride, width: pixels.width,
                                      height: pixels.height, channels: pixels.channels, boxReducedBy: factor)
                        : Raster.unpacked(fromSamples: samples, firstRow: 1, rowStride: pixels.rowStride, width: pixels.width,
                                          height: pixels.height, channels: pixels.channels)
                }
                return DecodedImage(raster: raster, sourceWidth: header.width, sourceHeight: header.height, shrink: factor)
            }
        }
        return try decodeWithVips(buffer, plan: plan)
    }

    private static func decodeWithVips(_ buffer: FileBytes, plan: DecodePlan) throws(ImageError) -> DecodedImage {
        var loader = ""
        do {
            loader = try VipsRuntime.perform("vips_foreign_find_load_buffer") { () -> String? in
                Optional(gpv_find_load_buffer(buffer.base, buffer.count).map { String(cString: $0) } ?? "")
            }
            guard !loader.isEmpty else {
                throw ImageError(.unsupportedFormat, "not an image format libvips can read (starts with \(signature(Array(buffer.bytes.prefix(8)))))")
            }
            let header = try loadHeader(buffer, loader: loader, plan: plan)
            let factor = plan.factor(shortSide: min(header.width, header.height))
            let canShrink = plan.shrinkOnLoad && (loader.hasPrefix("VipsForeignLoadJpeg") || loader.hasPrefix("VipsForeignLoadWebp"))
            try checkSize(width: header.width, height: header.height, shrink: canShrink ? factor : 1, plan: plan)
            let rotated = header.orientation >= 5
            let raster: Raster
            do {
                raster = try load(buffer, loader: loader, shrink: factor, plan: plan)
            } catch {
                // A lazy decode that failed stays failed: repeat it from the start, alone, so
                // the message is this file's (see `VipsRuntime`).
                raster = try VipsRuntime.exclusively { () throws(VipsError) in
                    try load(buffer, loader: loader, shrink: factor, plan: plan)
                }
            }
            return DecodedImage(raster: raster, sourceWidth: rotated ? header.height : header.width,
                                sourceHeight: rotated ? header.width : header.height, shrink: factor)
        } catch let error as ImageError {
            throw error
        } catch let error as VipsError {
            // libpng's words can be as vague as "read error": add what the PNG route found.
            let cause = PNGDecoder.damage(buffer.bytes).map { " (\($0))" } ?? ""
            throw ImageError(.decode, "\(loader.isEmpty ? error.operation : loader): \(error.message)\(cause)")
        } catch {
            throw ImageError(.decode, "\(error)")
        }
    }

    /// The number of pages of a multi-page TIFF or PDF; 1 for every other file, and for a
    /// file whose header cannot be read (decoding it then reports why).
    public static func pageCount(_ buffer: FileBytes) -> Int {
        let bytes = buffer.bytes
        guard bytes.count >= 4 else { return 1 }
        let tiff = (bytes[0] == 0x49 && bytes[1] == 0x49) || (bytes[0] == 0x4D && bytes[1] == 0x4D)
        let pdf = bytes[0] == 0x25 && bytes[1] == 0x50 && bytes[2] == 0x44 && bytes[3] == 0x46  // %PDF
        guard tiff || pdf else { return 1 }
        let loader = try? VipsRuntime.perform("vips_foreign_find_load_buffer") { () -> String? in
            Optional(gpv_find_load_buffer(buffer.base, buffer.count).map { String(cString: $0) } ?? "")
        }
        guard let loader, isPaged(loader),
              let header = try? VipsImage.make("vips_image_new_from_buffer", backing: buffer, {
                  gpv_load_buffer(buffer.base, buffer.count, $0)
              }) else { return 1 }
        return max(1, Int(vips_image_get_n_pages(header.pointer)))
    }

    /// Whether libvips' `loader` reads documents of several pages (TIFF, PDF).
    private static func isPaged(_ loader: String) -> Bool {
        loader.hasPrefix("VipsForeignLoadTiff") || loader.hasPrefix("VipsForeignLoadPdf")
    }

    /// The image's header (pixels are computed lazily): the plan's page of a TIFF or PDF, PDF
    /// pages rendered at the plan's dpi; any other format by libvips' own choice of loader.
    private static func loadHeader(_ buffer: FileBytes, loader: String, plan: DecodePlan) throws(VipsError) -> VipsImage {
        guard isPaged(loader) else {
            guard plan.page == 0 else {
                throw VipsError(operation: loader, message: "page \(plan.page) requested, but the file has only one")
            }
            return try VipsImage.make("vips_image_new_from_buffer", backing: buffer) {
                gpv_load_buffer(buffer.base, buffer.count, $0)
            }
        }
        let pdf: Int32 = loader.hasPrefix("VipsForeignLoadPdf") ? 1 : 0
        return try VipsImage.make(pdf == 1 ? "vips_pdfload_buffer" : "vips_tiffload_buffer", backing: buffer) {
            gpv_load_page_buffer(buffer.base, buffer.count, pdf, Int32(plan.page), plan.dpi, $0)
        }
    }

    /// Refuses images that would decode to more than the plan's `maxPixels` (after any
    /// shrink-on-load), before any pixel is decoded.
    static func checkSize(width: Int, height: Int, shrink: Int, plan: DecodePlan) throws(ImageError) {
        let decoded = ((width + shrink - 1) / shrink) * ((height + shrink - 1) / shrink)
        guard decoded <= plan.maxPixels else {
            let scale = shrink > 1 ? " at 1/\(shrink) scale" : ""
            throw ImageError(.tooLarge, "\(width)×\(height) decodes to \(decoded) pixels\(scale), over max_pixels \(plan.maxPixels)")
        }
    }

    /// The libjpeg-turbo route for JPEGs when only luma is needed; nil when this JPEG needs
    /// libvips (CMYK, or a header TurboJPEG cannot read).
    private static func decodeLuma(_ bytes: UnsafeRawBufferPointer, plan: DecodePlan) throws(ImageError) -> DecodedImage? {
        guard let header = JPEGLumaDecoder.header(bytes) else { return nil }
        let factor = plan.factor(shortSide: min(header.width, header.height))
        let loadFactor = plan.shrinkOnLoad ? factor : 1
        try checkSize(width: header.width, height: header.height, shrink: loadFactor, plan: plan)
        let orientation = ExifOrientation.read(jpeg: bytes)
        switch JPEGLumaDecoder.decode(bytes, shrink: loadFactor) {
        case .failure(let error):
            throw ImageError(.decode, "libjpeg-turbo: \(error.message)")
        case .success(let stored):
            let working = factor == loadFactor
                ? Raster(width: stored.width, height: stored.height, channels: 1, bytes: stored.bytes)
                : Raster.luma(fromBytes: stored.bytes, width: stored.width, height: stored.height,
                              channels: 1, boxReducedBy: factor / loadFactor)
            let raster = ExifOrientation.apply(orientation, to: working)
            let rotated = orientation >= 5
            return DecodedImage(raster: raster, sourceWidth: rotated ? header.height : header.width,
                                sourceHeight: rotated ? header.width : header.height, shrink: factor)
        }
    }

    /// Loads the image (shrunk when the loader can) and computes its pixels.
    private static func load(_ buffer: FileBytes, loader: String, shrink factor: Int, plan: DecodePlan) throws(VipsError) -> Raster {
        let image: VipsImage
        let loaderShrinks = plan.shrinkOnLoad && (loader.hasPrefix("VipsForeignLoadJpeg") || loader.hasPrefix("VipsForeignLoadWebp"))
        if factor > 1 && loaderShrinks && loader.hasPrefix("VipsForeignLoadJpeg") {
            image = try VipsImage.make("vips_jpegload_buffer", backing: buffer) {
                gpv_jpegload_buffer(buffer.base, buffer.count, Int32(factor), $0)
            }
        } else if factor > 1 && loaderShrinks && loader.hasPrefix("VipsForeignLoadWebp") {
            image = try VipsImage.make("vips_webpload_buffer", backing: buffer) {
                gpv_webpload_buffer(buffer.base, buffer.count, 1 / Double(factor), $0)
            }
        } else {
            image = try loadHeader(buffer, loader: loader, plan: plan)
        }
        // Loaders that did not shrink (PNG, TIFF, …, or shrink_on_load: false) average
        // factor×factor blocks, as the JPEG path's DCT scaling does: for luma in one Swift pass
        // while converting, or, for colour and for images over 16 MP, as libvips streams the
        // rows, so the full-size image never sits in memory.
        let boxShrink = loaderShrinks ? 1 : factor
        let streamed = boxShrink > 1 && (!plan.lumaOnly || image.width * image.height > wholeImageLimit)
        let pixels = try readPixels(image, boxShrink: streamed ? boxShrink : 1)
        if plan.lumaOnly {
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

    /// The pixels of an encoded image exactly as stored (bands and all, no conversion), for
    /// checking encoders.
    public static func storedPixels(_ data: [UInt8]) throws(VipsError) -> (bytes: [UInt8], width: Int, height: Int, bands: Int) {
        let file = FileBytes(data)
        let image = try VipsImage.make("vips_image_new_from_buffer", backing: file) { gpv_load_buffer(file.base, file.count, $0) }
        return (try image.pixelBytes(), image.width, image.height, image.bands)
    }

    /// The first bytes of a file, for messages about unrecognised formats.
    static func signature(_ data: [UInt8]) -> String {
        let head = data.prefix(8)
        let text = String(decoding: head, as: UTF8.self)
        if head.allSatisfy({ (32..<127).contains($0) }) { return "\"\(text)\"" }
        return head.map { String($0, radix: 16).leftPadded(2) }.joined(separator: " ")
    }
}
