import CDeflate

/// Decodes the common kind of PNG (8-bit grayscale or RGB, not interlaced, no transparency)
/// with libdeflate's whole-buffer inflate, about three times faster than libpng with zlib,
/// which is what a scanner's or phone's large PNG spends nearly all its decoding time on.
///
/// Anything else — palettes, alpha, 1/2/4/16-bit samples, interlacing, EXIF orientation, a bad
/// checksum or a truncated stream — returns nil, so the caller decodes with libvips, which
/// handles every case and words the errors. Samples come out exactly as libvips' PNG loader
/// gives them (no gamma or colour profile is applied by either).
struct PNGDecoder {
    /// Rows of samples as inflated: each row is one filter-type byte and `width × channels`
    /// samples, already unfiltered.
    final class Pixels {
        let width: Int
        let height: Int
        /// 1 (gray) or 3 (RGB).
        let channels: Int
        let storage: UnsafeMutableRawBufferPointer

        init(width: Int, height: Int, channels: Int, storage: UnsafeMutableRawBufferPointer) {
            self.width = width
            self.height = height
            self.channels = channels
            self.storage = storage
        }

        deinit { storage.deallocate() }

        /// Bytes from one row's start to the next's.
        var rowStride: Int { width * channels + 1 }

        /// Calls `body` with the samples (row `y` starts at `1 + y × rowStride`).
        func withSamples<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
            body(UnsafeBufferPointer(storage.bindMemory(to: UInt8.self)))
        }
    }

    /// Width and height from the header, when the file is a PNG this decoder handles.
    struct Header {
        var width: Int
        var height: Int
        var channels: Int
    }

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func isPNG(_ data: UnsafeRawBufferPointer) -> Bool {
        data.count >= 8 && zip(data.prefix(8), signature).allSatisfy { $0 == $1 }
    }

    /// The header, or nil when the file is not a PNG this decoder handles (see the type).
    static func header(_ data: UnsafeRawBufferPointer) -> Header? {
        guard isPNG(data), data.count >= 33, chunkType(data, at: 8) == "IHDR", readUInt32(data, at: 8) == 13,
              checksumMatches(data, chunkAt: 8, length: 13) else { return nil }
        let width = Int(readUInt32(data, at: 16)), height = Int(readUInt32(data, at: 20))
        let bitDepth = data[24], colourType = data[25], compression = data[26], filter = data[27], interlace = data[28]
        guard width > 0, height > 0, width < 1 << 31, height < 1 << 31, bitDepth == 8,
              colourType == 0 || colourType == 2, compression == 0, filter == 0, interlace == 0 else { return nil }
        return Header(width: width, height: height, channels: colourType == 2 ? 3 : 1)
    }

    /// One chunk: its type, where it starts (its length field) and its data.
    struct Chunk {
        var type: String
        var offset: Int
        var data: Range<Int>
    }

    /// The chunks after IHDR up to IEND, or the structural damage found on the way: a chunk
    /// running past the end of the file, a critical chunk (IDAT, PLTE, IEND, …) whose CRC does
    /// not match, no IEND. Ancillary chunks' CRCs are not checked (libpng only warns on them).
    static func chunks(_ data: UnsafeRawBufferPointer) -> Result<[Chunk], PNGDamage> {
        var found: [Chunk] = []
        var offset = 33
        while offset + 12 <= data.count {
            let length = Int(readUInt32(data, at: offset))
            let type = chunkType(data, at: offset)
            let readable = type.utf8.allSatisfy { (65...90).contains($0) || (97...122).contains($0) }
            guard length < 1 << 31, offset + 12 + length <= data.count else {
                return .failure(PNGDamage(
                    "\(readable ? "the \(type) chunk" : "a chunk") at byte \(offset) runs past the end of the file (truncated, or a damaged length)"))
            }
            let critical = readable && (type.utf8.first ?? 0) & 0x20 == 0
            guard !critical || checksumMatches(data, chunkAt: offset, length: length) else {
                return .failure(PNGDamage("CRC mismatch in the \(type) chunk at byte \(offset): the file is corrupt"))
            }
            if type == "IEND" { return .success(found) }
            found.append(Chunk(type: type, offset: offset, data: (offset + 8)..<(offset + 8 + length)))
            offset += 12 + length
        }
        return .failure(PNGDamage("the file ends without an IEND chunk (truncated)"))
    }

    /// What is structurally wrong with a file that has PNG's signature (header, chunk lengths,
    /// critical chunks' CRCs, missing image data or IEND); nil when nothing is. For error
    /// messages: libpng's own can be as vague as "read error".
    static func damage(_ data: UnsafeRawBufferPointer) -> String? {
        guard isPNG(data) else { return nil }
        guard data.count >= 33 else { return "the file ends inside the PNG header (truncated)" }
        guard chunkType(data, at: 8) == "IHDR", readUInt32(data, at: 8) == 13 else {
            return "the first chunk is not a valid IHDR (damaged header)"
        }
        guard checksumMatches(data, chunkAt: 8, length: 13) else { return "CRC mismatch in the IHDR chunk (damaged header)" }
        switch chunks(data) {
        case .failure(let damage): return damage.message
        case .success(let chunks):
            return chunks.contains { $0.type == "IDAT" } ? nil : "no image data (IDAT chunk) in the file"
        }
    }

    /// Decodes `data`, or returns nil when libvips should (see the type).
    static func decode(_ data: UnsafeRawBufferPointer, header: Header) -> Pixels? {
        guard case .success(let chunks) = chunks(data) else { return nil }
        // The IDAT payloads, consecutive; any chunk this decoder does not understand hands over.
        var payloads: [Range<Int>] = []
        for chunk in chunks {
            switch chunk.type {
            case "IDAT":
                guard payloads.isEmpty || payloads[payloads.count - 1].upperBound + 4 == chunk.offset else { return nil }
                payloads.append(chunk.data)
            case "tRNS", "eXIf", "PLTE":
                return nil
            default:
                // Ancillary chunks (gAMA, iCCP, pHYs, text…) are ignored, as libvips' loader
                // ignores them for pixel values; an unknown critical chunk hands over.
                guard let first = chunk.type.utf8.first, first & 0x20 != 0 else { return nil }
            }
        }
        guard !payloads.isEmpty else { return nil }

        let rowStride = header.width * header.channels + 1
        let (size, overflow) = rowStride.multipliedReportingOverflow(by: header.height)
        guard !overflow else { return nil }
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        let pixels = Pixels(width: header.width, height: header.height, channels: header.channels, storage: storage)

        guard let decompressor = libdeflate_alloc_decompressor() else { return nil }
        defer { libdeflate_free_decompressor(decompressor) }
        let result: libdeflate_result
        if payloads.count == 1, let base = data.baseAddress {
            let range = payloads[0]
            result = libdeflate_zlib_decompress(decompressor, base + range.lowerBound, range.count,
                                                storage.baseAddress, size, nil)
        } else {
            // The zlib stream is split over several IDAT chunks: join it once.
            let total = payloads.reduce(0) { $0 + $1.count }
            let joined = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, total), alignment: 16)
            defer { joined.deallocate() }
            var at = 0
            for range in payloads {
                guard let destination = joined.baseAddress, let source = data.baseAddress else { return nil }
                (destination + at).copyMemory(from: source + range.lowerBound, byteCount: range.count)
                at += range.count
            }
            result = libdeflate_zlib_decompress(decompressor, joined.baseAddress, total, storage.baseAddress, size, nil)
        }
        guard result == LIBDEFLATE_SUCCESS,
              unfilter(storage, rowStride: rowStride, height: header.height, bytesPerPixel: header.channels) else { return nil }
        return pixels
    }

    /// Reverses PNG's per-row prediction in place; false on an unknown filter type.
    ///
    /// Sub, Average and Paeth depend on the pixel just decoded to the left: each channel's
    /// left neighbour is carried in a local rather than read back from memory, which keeps
    /// the loop from waiting on its own stores.
    static func unfilter(_ storage: UnsafeMutableRawBufferPointer, rowStride: Int, height: Int, bytesPerPixel bpp: Int) -> Bool {
        guard let base = storage.baseAddress?.assumingMemoryBound(to: UInt8.self), bpp == 1 || bpp == 3 else { return false }
        let count = rowStride - 1
        let zeroRow = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, count))
        zeroRow.initialize(repeating: 0, count: max(1, count))
        defer { zeroRow.deallocate() }
        for y in 0..<height {
            let row = base + y * rowStride + 1
            let up = y > 0 ? base + (y - 1) * rowStride + 1 : zeroRow
            let filter = row[-1]
            if filter == 0 { continue }
            if filter == 2 {
                for i in 0..<count { row[i] &+= up[i] }
                continue
            }
            guard filter <= 4 else { return false }
            // The first pixel has no left neighbour (0), then one step per channel.
            @inline(__always) func step(_ left: inout UInt8, _ i: Int) {
                switch filter {
                case 1:
                    left = row[i] &+ left
                case 3:
                    left = row[i] &+ UInt8(truncatingIfNeeded: (UInt16(left) &+ UInt16(up[i])) >> 1)
                default:
                    left = row[i] &+ paeth(left, up[i], i >= bpp ? up[i &- bpp] : 0)
                }
                row[i] = left
            }
            var l0: UInt8 = 0, l1: UInt8 = 0, l2: UInt8 = 0
            var i = 0
            if bpp == 3 {
                while i &+ 3 <= count { step(&l0, i); step(&l1, i &+ 1); step(&l2, i &+ 2); i &+= 3 }
            } else {
                while i < count { step(&l0, i); i &+= 1 }
            }
        }
        return true
    }

    /// PNG's Paeth predictor: of left `a`, above `b` and upper-left `c`, the one nearest to
    /// a + b − c (ties to a, then b).
    @inline(__always)
    static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let a = Int(a), b = Int(b), c = Int(c)
        let pa = abs(b &- c), pb = abs(a &- c), pc = abs(a &+ b &- 2 &* c)
        return UInt8(truncatingIfNeeded: pa <= pb && pa <= pc ? a : (pb <= pc ? b : c))
    }

    private static func readUInt32(_ data: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(data[offset]) << 24 | UInt32(data[offset + 1]) << 16 | UInt32(data[offset + 2]) << 8 | UInt32(data[offset + 3])
    }

    private static func chunkType(_ data: UnsafeRawBufferPointer, at offset: Int) -> String {
        String(decoding: data[(offset + 4)..<(offset + 8)], as: UTF8.self)
    }

    /// Whether the CRC stored after a chunk matches its type and data.
    private static func checksumMatches(_ data: UnsafeRawBufferPointer, chunkAt offset: Int, length: Int) -> Bool {
        guard let base = data.baseAddress, offset + 12 + length <= data.count else { return false }
        let crc = libdeflate_crc32(0, base + offset + 4, length + 4)
        return crc == readUInt32(data, at: offset + 8 + length)
    }
}

/// Structural damage in a PNG file, worded for an error message.
struct PNGDamage: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
