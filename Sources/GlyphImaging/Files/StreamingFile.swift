import CZlib
import Foundation

/// A file written piece by piece into a temporary beside its target and renamed into place
/// by `commit`, so readers never see it half written. Dropped without `commit`, it leaves
/// nothing behind.
public final class StreamingFile {
    public let path: String
    private let temporary: String
    private let handle: FileHandle
    private var committed = false

    public init(path: String) throws {
        self.path = path
        temporary = AtomicFile.temporaryPath(beside: path)
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw POSIXFailure(operation: "create \(temporary)")
        }
        self.handle = handle
    }

    public func write(_ bytes: [UInt8]) throws {
        try handle.write(contentsOf: bytes)
    }

    public func commit() throws {
        try handle.close()
        guard rename(temporary, path) == 0 else { throw POSIXFailure(operation: "rename \(temporary) to \(path)") }
        committed = true
    }

    deinit {
        if !committed {
            try? handle.close()
            unlink(temporary)
        }
    }
}

/// A gzip file (zlib, maximum compression, no name or time in the header) written in pieces.
public final class GzipFile {
    private let file: StreamingFile
    private let stream: UnsafeMutablePointer<z_stream>
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)

    public init(path: String) throws {
        file = try StreamingFile(path: path)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = glyphprep_deflate_init_gzip(stream, 9)
        guard status == Z_OK else {
            stream.deallocate()
            throw Gzip.Failure(description: "zlib cannot start compressing (status \(status))")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    public func write(_ bytes: [UInt8]) throws {
        try deflate(bytes, flush: Z_NO_FLUSH)
    }

    public func commit() throws {
        try deflate([], flush: Z_FINISH)
        try file.commit()
    }

    private func deflate(_ bytes: [UInt8], flush: Int32) throws {
        var input = bytes
        try input.withUnsafeMutableBufferPointer { source in
            stream.pointee.next_in = source.baseAddress
            stream.pointee.avail_in = UInt32(source.count)
            while true {
                let (status, produced) = buffer.withUnsafeMutableBufferPointer { target -> (Int32, Int) in
                    stream.pointee.next_out = target.baseAddress
                    stream.pointee.avail_out = UInt32(target.count)
                    let status = CZlib.deflate(stream, flush)
                    return (status, target.count - Int(stream.pointee.avail_out))
                }
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    throw Gzip.Failure(description: "zlib failed to compress (status \(status))")
                }
                if produced > 0 { try file.write(Array(buffer[0..<produced])) }
                if flush == Z_FINISH ? status == Z_STREAM_END : stream.pointee.avail_in == 0 && produced < buffer.count { break }
            }
            stream.pointee.next_in = nil
        }
    }
}
