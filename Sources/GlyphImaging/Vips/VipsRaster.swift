import CVips
import CVipsShims

/// Runs libvips operations on a `Raster` (as a float image) and reads the result back.
enum VipsRaster {
    static func image(from raster: Raster) throws(VipsError) -> VipsImage {
        try raster.pixels.withUnsafeBytes { bytes in
            Result { () throws(VipsError) in
                try VipsImage.fromMemory(bytes: bytes, width: raster.width, height: raster.height,
                                         bands: raster.channels, format: VIPS_FORMAT_FLOAT)
            }
        }.get()
    }

    /// Reads a float (or castable) image back into a raster.
    static func raster(from image: VipsImage) throws(VipsError) -> Raster {
        let floats = image.format == VIPS_FORMAT_FLOAT ? image : try image.derive("vips_cast") { gpv_cast_float($0, $1) }
        let bytes = try floats.pixelBytes()
        let pixels = bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        return Raster(width: floats.width, height: floats.height, channels: floats.bands, pixels: pixels)
    }
}
