import CDeflate

/// How a PNG writer predicts each row before compressing it.
public enum PNGRowFilters: Sendable {
    /// No prediction (libvips' default): the fastest to write and to read.
    case none
    /// Per row, the filter with the smallest sum of absolute residuals (libpng's default, so
    /// what most scanners and image editors write): smaller files, more work to read.
    case adaptive
}

/// Writes 8-bit gray or RGB PNGs directly (one IDAT, libdeflate level 6): a 28×28 output
/// costs microseconds, against about a millisecond through libvips' saver, whose per-call
/// setup dominates for images this small.
enum PNGEncoder {
    /// The PNG file for `bytes` (row-major, 1 or 3 interleaved channels).
    static func encode(bytes: [UInt8], width: Int, height: Int, channels: Int, rowFilters: PNGRowFilters = .none) -> [UInt8]? {
        guard channels == 1 || channels == 3, width > 0, height > 0, width < 1 << 31, height < 1 << 31,
              bytes.count == width * height * channels else { return nil }
        let rowLength = width * channels
        var raw = [UInt8](repeating: 0, count: (rowLength + 1) * height)
        let zeros = [UInt8](repeating: 0, count: rowLength)
        var candidates = [UInt8](repeating: 0, count: 5 * rowLength)
        bytes.withUnsafeBufferPointer { source in
            zeros.withUnsafeBufferPointer { zeros in
                candidates.withUnsafeMutableBufferPointer { candidates in
                    raw.withUnsafeMutableBufferPointer { raw in
                        for y in 0..<height {
                            let current = UnsafeBufferPointer(rebasing: source[(y * rowLength)..<((y + 1) * rowLength)])
                            let above = y > 0 ? UnsafeBufferPointer(rebasing: source[((y - 1) * rowLength)..<(y * rowLength)]) : zeros
                            var best = 0, bestCost = Int.max
                            for filter in rowFilters == .adaptive ? 0..<5 : 0..<1 {
                                let out = UnsafeMutableBufferPointer(rebasing: candidates[(filter * rowLength)..<((filter + 1) * rowLength)])
                                let cost = Self.filterRow(filter, current, above: above, bytesPerPixel: channels, into: out)
                                if cost < bestCost { best = filter; bestCost = cost }
                            }
                            let start = y * (rowLength + 1)
                            raw[start] = UInt8(best)
                            for i in 0..<rowLength { raw[start + 1 + i] = candidates[best * rowLength + i] }
                        }
                    }
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

    /// Writes `row` predicted with PNG filter `filter` (0 none … 4 Paeth) and returns the sum
    /// of the residuals' magnitudes, libpng's measure for choosing a filter.
    private static func filterRow(_ filter: Int, _ row: UnsafeBufferPointer<UInt8>, above: UnsafeBufferPointer<UInt8>,
                                  bytesPerPixel bpp: Int, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let count = row.count
        var cost = 0
        @inline(__always) func put(_ i: Int, _ predictor: UInt8) {
            let residual = row[i] &- predictor
            out[i] = residual
            cost &+= residual < 128 ? Int(residual) : 256 &- Int(residual)
        }
        switch filter {
        case 1:
            for i in 0..<min(bpp, count) { put(i, 0) }
            var i = bpp
            while i < count { put(i, row[i &- bpp]); i &+= 1 }
        case 2:
            for i in 0..<count { put(i, above[i]) }
        case 3:
            for i in 0..<min(bpp, count) { put(i, above[i] >> 1) }
            var i = bpp
            while i < count { put(i, UInt8(truncatingIfNeeded: (Int(row[i &- bpp]) &+ Int(above[i])) >> 1)); i &+= 1 }
        case 4:
            for i in 0..<min(bpp, count) { put(i, above[i]) }
            var i = bpp
            while i < count {
                put(i, PNGDecoder.paeth(row[i &- bpp], above[i], above[i &- bpp]))
                i &+= 1
            }
        default:
            for i in 0..<count { put(i, 0) }
        }
        return cost
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
