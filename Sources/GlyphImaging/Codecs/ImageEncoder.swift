import CVips
import CVipsShims

/// The file formats GlyphPrep writes.
public enum ImageFileFormat: String, Sendable, CaseIterable {
    case png, jpeg, webp, tiff, gif

    /// The conventional file extension.
    public var fileExtension: String { self == .jpeg ? "jpg" : rawValue }
}

/// Encodes packed 8-bit pixels to image files: plain gray and RGB PNGs directly, everything
/// else with libvips.
public enum ImageEncoder {
    /// Encodes `bytes` (row-major, `bands` interleaved: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA).
    /// `orientation` (EXIF 1–8, JPEG and PNG) records how a viewer must rotate the pixels, as
    /// phone cameras do. `pngRowFilters` applies to gray and RGB PNGs (others are written by
    /// libvips, unfiltered).
    public static func encode(
        bytes: [UInt8], width: Int, height: Int, bands: Int,
        as format: ImageFileFormat, quality: Int = 90, orientation: Int? = nil, pngRowFilters: PNGRowFilters = .none,
        pageHeight: Int? = nil
    ) throws(VipsError) -> [UInt8] {
        if format == .png, orientation == nil, pageHeight == nil,
           let png = PNGEncoder.encode(bytes: bytes, width: width, height: height, channels: bands, rowFilters: pngRowFilters) {
            return png
        }
        let image = try bytes.withUnsafeBytes { buffer in
            Result { () throws(VipsError) in
                try VipsImage.fromMemory(bytes: buffer, width: width, height: height, bands: bands,
                                         format: VIPS_FORMAT_UCHAR)
            }
        }.get()
        let space: VipsInterpretation = bands <= 2 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB
        image.pointer.pointee.Type = space
        if let orientation { vips_image_set_int(image.pointer, "orientation", Int32(orientation)) }
        if let pageHeight { vips_image_set_int(image.pointer, "page-height", Int32(pageHeight)) }
        let strip: Int32 = orientation == nil ? 1 : 0
        switch format {
        case .png:
            return try image.encode("vips_pngsave_buffer") { gpv_pngsave_buffer($0, $1, $2, 6, strip) }
        case .jpeg:
            return try image.encode("vips_jpegsave_buffer") { gpv_jpegsave_buffer($0, $1, $2, Int32(quality), strip) }
        case .webp:
            return try image.encode("vips_webpsave_buffer") { gpv_webpsave_buffer($0, $1, $2, Int32(quality)) }
        case .tiff:
            return try image.encode("vips_tiffsave_buffer") { gpv_tiffsave_buffer($0, $1, $2) }
        case .gif:
            return try image.encode("vips_gifsave_buffer") { gpv_gifsave_buffer($0, $1, $2) }
        }
    }

    /// A multi-page TIFF of equally sized rasters (samples rounded to 8 bits), one page each.
    public static func encodeTIFF(pages: [Raster]) throws(VipsError) -> [UInt8] {
        guard let first = pages.first,
              pages.allSatisfy({ $0.width == first.width && $0.height == first.height && $0.channels == first.channels }) else {
            throw VipsError(operation: "vips_tiffsave_buffer", message: "a multi-page TIFF needs one or more pages of the same size")
        }
        return try encode(bytes: pages.flatMap { $0.bytes() }, width: first.width, height: first.height * pages.count,
                          bands: first.channels, as: .tiff, pageHeight: first.height)
    }

    /// Encodes a raster (samples rounded to 8 bits).
    public static func encode(_ raster: Raster, as format: ImageFileFormat = .png, quality: Int = 90) throws(VipsError) -> [UInt8] {
        try encode(bytes: raster.bytes(), width: raster.width, height: raster.height,
                   bands: raster.channels, as: format, quality: quality)
    }
}
