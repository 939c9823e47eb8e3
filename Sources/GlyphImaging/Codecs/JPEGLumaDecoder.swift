import CTurboJPEG

/// Decodes only the luma (Y) channel of a JPEG, DCT-scaled by 1/2, 1/4 or 1/8, with
/// libjpeg-turbo: the fastest route from a colour photo to the grayscale image the pipeline
/// needs (no chroma, no colour conversion, an eighth of the IDCT work at 1/8).
///
/// JPEG's Y is Rec. 601 luma of the gamma-encoded RGB, so this equals `grayscale` (rec601)
/// on a full decode up to rounding. Returns nil for JPEGs it should not handle (CMYK/YCCK),
/// so the caller can fall back to libvips.
struct JPEGLumaDecoder {
    struct Header {
        var width: Int
        var height: Int
    }

    /// Decoded luma samples, row-major.
    struct Luma {
        var width: Int
        var height: Int
        var bytes: [UInt8]
    }

    /// The size recorded in the JPEG header, or nil when TurboJPEG cannot read the header or
    /// the colour space is CMYK/YCCK.
    static func header(_ data: UnsafeRawBufferPointer) -> Header? {
        guard let base = data.baseAddress, let handle = tjInitDecompress() else { return nil }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        guard tjDecompressHeader3(handle, base.assumingMemoryBound(to: UInt8.self), UInt(data.count),
                                  &width, &height, &subsampling, &colorspace) == 0,
              colorspace != Int32(TJCS_CMYK.rawValue), colorspace != Int32(TJCS_YCCK.rawValue),
              width > 0, height > 0 else { return nil }
        return Header(width: Int(width), height: Int(height))
    }

    /// Decodes luma at 1/`shrink` scale. Truncated or corrupt data fails with libjpeg-turbo's
    /// message (warnings are errors here), instead of decoding to grey or black.
    static func decode(_ data: UnsafeRawBufferPointer, shrink: Int) -> Result<Luma, VipsError> {
        guard let base = data.baseAddress, let handle = tjInitDecompress() else {
            return .failure(VipsError(operation: "tjInitDecompress", message: "cannot start libjpeg-turbo"))
        }
        defer { tjDestroy(handle) }
        let jpeg = base.assumingMemoryBound(to: UInt8.self)
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        guard tjDecompressHeader3(handle, jpeg, UInt(data.count), &width, &height, &subsampling, &colorspace) == 0 else {
            return .failure(VipsError(operation: "tjDecompressHeader3", message: String(cString: tjGetErrorStr2(handle))))
        }
        let scaledWidth = (Int(width) + shrink - 1) / shrink
        let scaledHeight = (Int(height) + shrink - 1) / shrink
        var bytes = [UInt8](repeating: 0, count: scaledWidth * scaledHeight)
        let status = bytes.withUnsafeMutableBufferPointer { buffer in
            tjDecompress2(handle, jpeg, UInt(data.count), buffer.baseAddress, Int32(scaledWidth), 0,
                          Int32(scaledHeight), Int32(TJPF_GRAY.rawValue), TJFLAG_STOPONWARNING | TJFLAG_ACCURATEDCT)
        }
        guard status == 0 else {
            return .failure(VipsError(operation: "tjDecompress2", message: String(cString: tjGetErrorStr2(handle))))
        }
        return .success(Luma(width: scaledWidth, height: scaledHeight, bytes: bytes))
    }
}
