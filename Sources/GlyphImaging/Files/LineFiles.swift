import Foundation

/// Writes a file piece by piece through a fixed buffer (unlike `StreamingFile`, which makes one
/// system call per piece), so a file of any size needs no more
/// memory than the buffer. Create with `atomic: true` to write a hidden temporary beside the
/// target that `commit()` renames into place: a reader, or a killed process, never sees a
/// partial file under the final name.
public final class BufferedFileWriter {
    /// Where the file ends up.
    public let path: String
    /// Where it is written meanwhile (`path` itself when not atomic).
    public let writingPath: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int

    /// Creates the file (it must not exist when not atomic); missing parent folders are made.
    public init(path: String, atomic: Bool = true, bufferSize: Int = 1 << 16) throws {
        self.path = path
        writingPath = atomic ? AtomicFile.temporaryPath(beside: path) : path
        try FileSystemName.createDirectories(AtomicFile.directory(of: path))
        descriptor = FileSystemName.withCPath(writingPath) { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard descriptor >= 0 else { throw POSIXFailure(operation: "create \(writingPath)") }
        capacity = max(1, bufferSize)
        buffer.reserveCapacity(capacity)
    }

    deinit {
        if descriptor >= 0 {
            close(descriptor)
            _ = FileSystemName.withCPath(writingPath) { unlink($0) }
        }
    }

    /// Appends the UTF-8 bytes of `text`.
    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= capacity { try flush() }
    }

    /// Appends `bytes`.
    public func write(bytes: some Sequence<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { try flush() }
    }

    /// Writes out what the buffer holds.
    public func flush() throws {
        guard descriptor >= 0 else { throw POSIXFailure(operation: "write \(writingPath) (already closed)", code: EBADF) }
        let ok = buffer.withUnsafeBytes { AtomicFile.writeAll($0, to: descriptor) }
        guard ok else { throw POSIXFailure(operation: "write \(writingPath)") }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, closes and (when atomic) renames the file into place.
    public func commit() throws {
        do {
            try flush()
        } catch {
            discard()
            throw error
        }
        close(descriptor)
        descriptor = -1
        if writingPath != path, FileSystemName.withCPath(writingPath, { from in FileSystemName.withCPath(path) { rename(from, $0) } }) != 0 {
            let error = POSIXFailure(operation: "rename to \(path)")
            _ = FileSystemName.withCPath(writingPath) { unlink($0) }
            throw error
        }
    }

    /// Closes and deletes what was written.
    public func discard() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        _ = FileSystemName.withCPath(writingPath) { unlink($0) }
    }
}

/// Reads a file line by line through a buffer that only grows to the longest line, so memory
/// does not depend on the file's size.
public final class LineReader {
    private let descriptor: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var atEnd = false

    /// Nil when the file cannot be opened (e.g. it does not exist).
    public init?(path: String, bufferSize: Int = 1 << 16) {
        descriptor = FileSystemName.withCPath(path) { open($0, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { return nil }
        buffer = .allocate(byteCount: max(16, bufferSize), alignment: 1)
    }

    deinit {
        close(descriptor)
        buffer.deallocate()
    }

    /// Calls `body` with the next complete line, without its newline. Returns nil at the end
    /// of the file; a last line without a newline (torn by a killed writer) is not returned.
    /// A read error ends the file there.
    public func next<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T? {
        while true {
            if end > start, let base = buffer.baseAddress,
               let found = memchr(base + start, 0x0A, end - start) {
                let newline = base.distance(to: found)
                let line = UnsafeRawBufferPointer(rebasing: buffer[start..<newline])
                start = newline + 1
                return body(line)
            }
            guard !atEnd, fill() else { return nil }
        }
    }

    /// Reads more bytes after the unfinished line; false when nothing more came.
    private func fill() -> Bool {
        if start > 0 {
            if end > start, let base = buffer.baseAddress { memmove(base, base + start, end - start) }
            end -= start
            start = 0
        }
        if end == buffer.count {
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 1)
            larger.copyMemory(from: UnsafeRawBufferPointer(buffer))
            buffer.deallocate()
            buffer = larger
        }
        while true {
            guard let base = buffer.baseAddress else { return false }
            let count = read(descriptor, base + end, buffer.count - end)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                atEnd = true
                return false
            }
            end += count
            return true
        }
    }
}
