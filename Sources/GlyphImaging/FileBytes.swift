import Foundation

/// A whole encoded file in memory at a stable address, kept alive as long as any image
/// decoded from it (libvips decodes lazily, reading it until the pixels are computed).
public final class FileBytes: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let count: Int

    /// A copy of `data`.
    public init(_ data: [UInt8]) {
        count = data.count
        base = .allocate(byteCount: max(1, data.count), alignment: 16)
        data.withUnsafeBytes { base.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(base), byteCount: data.count) }
    }

    /// Reads a file with one copy from the kernel; the message names the system's reason.
    public init(contentsOfFile path: String) throws(ImageError) {
        let descriptor = FileSystemName.withCPath(path) { open($0, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else {
            throw ImageError(.read, "cannot read the file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw ImageError(.read, "cannot read the file: \(String(cString: strerror(errno)))")
        }
        let expected = max(0, Int(info.st_size))
        base = .allocate(byteCount: max(1, expected), alignment: 16)
        var total = 0
        while total < expected {
            let got = read(descriptor, base + total, expected - total)
            if got < 0 && errno == EINTR { continue }
            if got < 0 {
                let reason = String(cString: strerror(errno))
                base.deallocate()
                throw ImageError(.read, "cannot read the file: \(reason)")
            }
            if got == 0 { break }
            total += got
        }
        count = total
    }

    deinit { base.deallocate() }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
