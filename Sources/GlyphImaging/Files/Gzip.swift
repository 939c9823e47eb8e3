import CZlib

/// gzip compression and decompression of whole buffers through zlib.
public enum Gzip {
    /// Errors from zlib, with its message where it gives one.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// True when `bytes` starts with the gzip magic number.
    public static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates gzip (or zlib) data, including concatenated gzip members.
    /// Throws when the output would exceed `limit` bytes or the stream is corrupt or truncated.
    public static func decompress(_ input: [UInt8], limit: Int = 1 << 32) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(min(input.count * 4, limit))
        var source = input
        try source.withUnsafeMutableBufferPointer { inBuffer in
            guard let inBase = inBuffer.baseAddress else { throw Failure(description: "empty gzip input") }
            var stream = z_stream()
            guard glyphprep_inflate_init(&stream) == Z_OK else { throw Failure(description: "inflateInit failed") }
            defer { inflateEnd(&stream) }
            var consumed = 0
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let remaining = inBuffer.count - consumed
                stream.next_in = inBase + consumed
                stream.avail_in = UInt32(clamping: remaining)
                let before = Int(stream.avail_in)
                let status = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                consumed += before - Int(stream.avail_in)
                let produced = chunk.count - Int(stream.avail_out)
                guard output.count + produced <= limit else {
                    throw Failure(description: "decompressed data exceeds \(limit) bytes")
                }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    let rest = inBuffer.count - consumed
                    guard rest >= 2, inBuffer[consumed] == 0x1F, inBuffer[consumed + 1] == 0x8B else {
                        return
                    }
                    guard inflateReset(&stream) == Z_OK else { throw Failure(description: "inflateReset failed") }
                case Z_OK:
                    continue
                case Z_BUF_ERROR where produced > 0:
                    continue
                case Z_BUF_ERROR:
                    throw Failure(description: "gzip stream is truncated")
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw Failure(description: "corrupt gzip stream: \(message)")
                }
            }
        }
        return output
    }

    /// Deflates `input` into a single gzip member.
    public static func compress(_ input: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var source = input
        return try source.withUnsafeMutableBufferPointer { inBuffer -> [UInt8] in
            var stream = z_stream()
            guard glyphprep_deflate_init_gzip(&stream, level) == Z_OK else {
                throw Failure(description: "deflateInit failed")
            }
            defer { deflateEnd(&stream) }
            var output: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = UInt32(clamping: inBuffer.count)
            guard inBuffer.count <= Int(UInt32.max) else { throw Failure(description: "input too large") }
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    return deflate(&stream, Z_FINISH)
                }
                output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                if status == Z_STREAM_END { return output }
                guard status == Z_OK || status == Z_BUF_ERROR else {
                    throw Failure(description: "deflate failed with \(status)")
                }
            }
        }
    }
}
