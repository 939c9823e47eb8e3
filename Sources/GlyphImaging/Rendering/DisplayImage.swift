import CVips
import CVipsShims

/// Reads and resizes images for display (not for the pipeline: no stage semantics here).
public enum DisplayImage {
    /// Decodes an encoded image (any format libvips reads) to 8-bit gray or RGB, scaled down
    /// to fit `maxWidth`×`maxHeight` when given, EXIF orientation applied, alpha on white;
    /// `page` (0-based) of a multi-page TIFF or PDF.
    public static func load(_ data: [UInt8], maxWidth: Int? = nil, maxHeight: Int? = nil, page: Int? = nil) throws(VipsError) -> Raster {
        var image = try data.withUnsafeBytes { buffer in
            Result { () throws(VipsError) in
                if maxWidth != nil || maxHeight != nil || page != nil {
                    let width = Int32(clamping: maxWidth ?? 10_000_000), height = Int32(clamping: maxHeight ?? 10_000_000)
                    return try VipsImage.make("vips_thumbnail_buffer") { out in
                        guard let page else { return gpv_thumbnail_buffer(buffer.baseAddress, buffer.count, width, height, nil, out) }
                        return "page=\(page)".withCString { gpv_thumbnail_buffer(buffer.baseAddress, buffer.count, width, height, $0, out) }
                    }
                }
                let loaded = try VipsImage.make("vips_image_new_from_buffer") { out in
                    gpv_load_buffer(buffer.baseAddress, buffer.count, out)
                }
                return try loaded.derive("vips_autorot") { gpv_autorot($0, $1) }
            }
        }.get()
        if image.hasAlpha { image = try image.derive("vips_flatten") { gpv_flatten_white($0, $1) } }
        if image.bands >= 3 && image.interpretation != VIPS_INTERPRETATION_sRGB {
            image = try image.derive("vips_colourspace") { gpv_colourspace($0, $1, VIPS_INTERPRETATION_sRGB) }
        }
        if image.bands > 3 { image = try image.derive("vips_extract_band") { gpv_extract_band($0, $1, 0, 3) } }
        if image.bands == 2 { image = try image.derive("vips_extract_band") { gpv_extract_band($0, $1, 0, 1) } }
        if image.format != VIPS_FORMAT_UCHAR { image = try image.derive("vips_cast") { gpv_cast_uchar($0, $1) } }
        return try VipsRaster.raster(from: image)
    }

    /// Scales `raster` to fit `height` (and `maxWidth`), keeping its aspect ratio: nearest
    /// neighbour when enlarging, so single pixels of 28×28 images stay visible as squares;
    /// libvips' bicubic reduction when shrinking.
    public static func fit(_ raster: Raster, height: Int, maxWidth: Int) throws(VipsError) -> Raster {
        guard raster.width > 0, raster.height > 0 else { return raster }
        let scale = min(Double(height) / Double(raster.height), Double(maxWidth) / Double(raster.width))
        let width = max(1, Int((Double(raster.width) * scale).rounded()))
        let newHeight = max(1, Int((Double(raster.height) * scale).rounded()))
        if width == raster.width && newHeight == raster.height { return raster }
        if scale >= 1 { return nearest(raster, width: width, height: newHeight) }
        let hscale = Double(width) / Double(raster.width), vscale = Double(newHeight) / Double(raster.height)
        let image = try VipsRaster.image(from: raster)
        let resized = try image.derive("vips_resize") { gpv_resize($0, $1, hscale, vscale, VIPS_KERNEL_CUBIC) }
        return try VipsRaster.raster(from: resized)
    }

    /// Nearest-neighbour resampling.
    public static func nearest(_ raster: Raster, width: Int, height: Int) -> Raster {
        let channels = raster.channels
        var pixels = [Float](repeating: 0, count: width * height * channels)
        for y in 0..<height {
            let sy = min(raster.height - 1, y * raster.height / height)
            for x in 0..<width {
                let sx = min(raster.width - 1, x * raster.width / width)
                for c in 0..<channels {
                    pixels[(y * width + x) * channels + c] = raster.pixels[(sy * raster.width + sx) * channels + c]
                }
            }
        }
        return Raster(width: width, height: height, channels: channels, pixels: pixels)
    }
}
