import Foundation

/// Writes files so that a reader sees either the old content or the complete new content,
/// never a partial file: write a temporary file beside the target, flush, then rename.
public enum AtomicFile {
    /// Writes `bytes` to `path` (relative paths are relative to the working directory),
    /// creating missing parent directories.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let directory = directory(of: path)
        try FileSystemName.createDirectories(directory)
        let temporary = temporaryPath(beside: path)
        let descriptor = FileSystemName.withCPath(temporary) { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard descriptor >= 0 else { throw POSIXFailure(operation: "create \(temporary)") }
        // No fsync: rename already guarantees that a killed process leaves no partial file
        // under the final name, and syncing every small output would dominate the run time.
        let ok = bytes.withUnsafeBytes { buffer -> Bool in
            guard let base = buffer.baseAddress else { return true }
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
        let failure = POSIXFailure(operation: "write \(temporary)")
        close(descriptor)
        let renamed = ok && FileSystemName.withCPath(temporary, { from in
            FileSystemName.withCPath(path) { to in rename(from, to) }
        }) == 0
        guard renamed else {
            let error = ok ? POSIXFailure(operation: "rename to \(path)") : failure
            _ = FileSystemName.withCPath(temporary) { unlink($0) }
            throw error
        }
    }

    /// The folder `path` is in; "." for a bare file name.
    static func directory(of path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    /// A hidden, unique name in the same folder as `path`, so the final rename stays on one
    /// file system.
    static func temporaryPath(beside path: String) -> String {
        directory(of: path) + "/." + (path as NSString).lastPathComponent
            + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }
}

/// A failed system call, with `strerror`'s text.
public struct POSIXFailure: Error, CustomStringConvertible {
    public var operation: String
    public var code: Int32

    public init(operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var description: String { "\(operation): \(String(cString: strerror(code)))" }
}
