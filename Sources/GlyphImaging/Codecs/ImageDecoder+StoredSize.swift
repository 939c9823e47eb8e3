extension ImageDecoder {
    /// The stored size of a JPEG or PNG read from its header alone (before EXIF orientation),
    /// and whether it is a JPEG; nil for other formats and unreadable headers.
    public static func storedSize(_ buffer: FileBytes) -> (width: Int, height: Int, isJPEG: Bool)? {
        let bytes = buffer.bytes
        if bytes.count > 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            return JPEGLumaDecoder.header(bytes).map { ($0.width, $0.height, true) }
        }
        return PNGDecoder.header(bytes).map { ($0.width, $0.height, false) }
    }

    /// An 8-bit gray or RGB PNG inflated once, to take luma at several scales from (coarse-to-
    /// fine's proxy and working scale); nil for every other file, and for PNGs the one-call
    /// route does not take (over 16 MP, palette, alpha, …: decode those per scale).
    public static func pngLumaSource(_ buffer: FileBytes, plan: DecodePlan) throws(ImageError) -> PNGLumaSource? {
        let bytes = buffer.bytes
        guard plan.lumaOnly, let header = PNGDecoder.header(bytes), header.width * header.height <= wholeImageLimit else {
            return nil
        }
        try checkSize(width: header.width, height: header.height, shrink: 1, plan: plan)
        return PNGDecoder.decode(bytes, header: header).map(PNGLumaSource.init)
    }
}

/// The samples of a PNG decoded once; `decoded(shrink:)` gives Rec. 601 luma averaged over
/// shrink × shrink blocks, exactly as `ImageDecoder.decode` does for that PNG at that scale.
public struct PNGLumaSource: @unchecked Sendable {
    fileprivate let pixels: PNGDecoder.Pixels

    fileprivate init(_ pixels: PNGDecoder.Pixels) { self.pixels = pixels }

    public var width: Int { pixels.width }
    public var height: Int { pixels.height }

    public func decoded(shrink factor: Int) -> DecodedImage {
        let raster = pixels.withSamples { samples in
            Raster.luma(fromSamples: samples, firstRow: 1, rowStride: pixels.rowStride, width: pixels.width,
                        height: pixels.height, channels: pixels.channels, boxReducedBy: factor)
        }
        return DecodedImage(raster: raster, sourceWidth: pixels.width, sourceHeight: pixels.height, shrink: factor)
    }
}
