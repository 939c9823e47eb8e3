import CDeflate

/// Writes 8-bit gray or RGB PNGs directly (one IDAT, rows unfiltered, libdeflate level 6):
/// a 28×28 output costs microseconds, against about a millisecond through libvips' saver,
/// whose per-call setup dominates for images this small.
enum PNGEncoder {
    /// The PNG file for `bytes` (row-major, 1 or 3 interleaved channels).
    static func encode(bytes: [UInt8], width: Int, height: Int, channels: Int) -> [UInt8]? {
        guard channels == 1 || channels == 3, width > 0, height > 0, width < 1 << 31, height < 1 << 31,
              bytes.count == width * height * channels else { return nil }
        let rowLength = width * channels
        var raw = [UInt8](repeating: 0, count: (rowLength + 1) * height)
        raw.withUnsafeMutableBufferPointer { raw in
            bytes.withUnsafeBufferPointer { source in
                for y in 0..<height {
                    // Filter type 0 (none) is the leading zero of each row.
                    let to = y * (rowLength + 1) + 1, from = y * rowLength
                    for i in 0..<rowLength { raw[to + i] = source[from + i] }
                }
            }
        }
        guard let compressor = libdeflate_alloc_compressor(6) else { return nil }
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_zlib_compress_bound(compressor, raw.count)
        var compressed = [UInt8](repeating: 0, count: bound)
        let size = compressed.withUnsafeMutableBytes { out in
            libdeflate_zlib_compress(compressor, raw, raw.count, out.baseAddress, bound)
        }
        guard size > 0 else { return nil }
        var file = PNGDecoder.signature
        file.reserveCapacity(size + 64)
        appendChunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, channels == 3 ? 2 : 0, 0, 0, 0], to: &file)
        appendChunk("IDAT", compressed[0..<size], to: &file)
        appendChunk("IEND", [], to: &file)
        return file
    }

    private static func appendChunk<Data: Collection<UInt8>>(_ type: String, _ data: Data, to file: inout [UInt8]) {
        file += bigEndian(UInt32(data.count))
        let start = file.count
        file += type.utf8
        file += data
        let crc = file[start...].withUnsafeBytes { libdeflate_crc32(0, $0.baseAddress, $0.count) }
        file += bigEndian(crc)
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
