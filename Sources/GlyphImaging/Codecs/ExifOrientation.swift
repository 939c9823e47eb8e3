/// Reads the EXIF orientation tag (0x0112) from a JPEG's APP1 segment without decoding it,
/// and applies an orientation to a raster.
enum ExifOrientation {
    /// The orientation (1–8), 1 when absent or unreadable. Every read is bounds-checked.
    static func read(jpeg data: UnsafeRawBufferPointer) -> Int {
        let bytes = data.bindMemory(to: UInt8.self)
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return 1 }
        var offset = 2
        while offset + 4 <= bytes.count, bytes[offset] == 0xFF {
            let marker = bytes[offset + 1]
            if marker == 0xDA || marker == 0xD9 { break }  // start of scan: no more metadata
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let start = offset + 4, end = offset + 2 + length
            guard length >= 2, end <= bytes.count else { break }
            if marker == 0xE1, end - start > 14,
               bytes[start] == 0x45, bytes[start + 1] == 0x78, bytes[start + 2] == 0x69, bytes[start + 3] == 0x66 {
                return orientation(inTIFF: bytes, from: start + 6, to: end) ?? 1
            }
            offset = end
        }
        return 1
    }

    private static func orientation(inTIFF bytes: UnsafeBufferPointer<UInt8>, from tiff: Int, to end: Int) -> Int? {
        guard tiff + 8 <= end else { return nil }
        let little: Bool
        switch (bytes[tiff], bytes[tiff + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= tiff, at + 2 <= end else { return nil }
            return little ? Int(bytes[at]) | Int(bytes[at + 1]) << 8 : Int(bytes[at]) << 8 | Int(bytes[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let high = u16(little ? at + 2 : at), let low = u16(little ? at : at + 2) else { return nil }
            return high << 16 | low
        }
        guard let ifd = u32(tiff + 4), let count = u16(tiff + ifd) else { return nil }
        for index in 0..<count {
            let entry = tiff + ifd + 2 + index * 12
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112, let value = u16(entry + 8), (1...8).contains(value) { return value }
        }
        return nil
    }

    /// The raster as a viewer shows it for `orientation` (the same result as `vips_autorot`).
    static func apply(_ orientation: Int, to image: Raster) -> Raster {
        guard (2...8).contains(orientation) else { return image }
        let w = image.width, h = image.height, c = image.channels
        let swaps = orientation >= 5
        let outWidth = swaps ? h : w, outHeight = swaps ? w : h
        var out = [Float](repeating: 0, count: image.pixels.count)
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                // (sx, sy): the stored pixel shown at (x, y).
                let (sx, sy): (Int, Int)
                switch orientation {
                case 2: (sx, sy) = (w - 1 - x, y)
                case 3: (sx, sy) = (w - 1 - x, h - 1 - y)
                case 4: (sx, sy) = (x, h - 1 - y)
                case 5: (sx, sy) = (y, x)
                case 6: (sx, sy) = (y, h - 1 - x)
                case 7: (sx, sy) = (w - 1 - y, h - 1 - x)
                default: (sx, sy) = (w - 1 - y, x)
                }
                for channel in 0..<c {
                    out[(y * outWidth + x) * c + channel] = image.pixels[(sy * w + sx) * c + channel]
                }
            }
        }
        return Raster(width: outWidth, height: outHeight, channels: c, pixels: out)
    }
}
