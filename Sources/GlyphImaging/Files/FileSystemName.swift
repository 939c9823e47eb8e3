import Foundation

/// File names are bytes; Swift strings are Unicode. A name that is not valid UTF-8 keeps
/// every byte: each byte that is not part of a valid UTF-8 sequence is held as the private-use
/// scalar U+10FF00 + byte (U+10FF80 … U+10FFFF), and turned back into that byte at every
/// system call. JSON writes such a scalar as `\udcXX`, Python's `surrogateescape` form, so
/// `os.fsencode(json.loads(line)["input"])` gives the exact bytes back.
public enum FileSystemName {
    static let escapeBase: UInt32 = 0x10FF00

    /// The byte a scalar stands for, when it is an escaped byte.
    public static func escapedByte(_ scalar: Unicode.Scalar) -> UInt8? {
        scalar.value >= escapeBase + 0x80 ? UInt8(scalar.value - escapeBase) : nil
    }

    /// The name of `bytes`: their UTF-8 text, with bytes that are not valid UTF-8 (and the
    /// bytes of a scalar in the escape range itself) escaped.
    public static func decode(_ bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        if let text = String(validating: bytes, as: UTF8.self),
           !text.unicodeScalars.contains(where: { escapedByte($0) != nil }) {
            return text
        }
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < bytes.count {
            let length = sequenceLength(bytes, at: index)
            if length > 0, let scalar = String(validating: bytes[index..<(index + length)], as: UTF8.self)?.unicodeScalars.first,
               escapedByte(scalar) == nil {
                scalars.append(scalar)
                index += length
            } else if bytes[index] < 0x80 {
                scalars.append(Unicode.Scalar(bytes[index]))
                index += 1
            } else {
                scalars.append(Unicode.Scalar(escapeBase + UInt32(bytes[index])) ?? "?")
                index += 1
            }
        }
        return String(scalars)
    }

    /// The bytes the system sees for `name` (no terminating zero).
    public static func encode(_ name: String) -> [UInt8] {
        guard name.unicodeScalars.contains(where: { escapedByte($0) != nil }) else { return Array(name.utf8) }
        var bytes: [UInt8] = []
        for scalar in name.unicodeScalars {
            if let byte = escapedByte(scalar) { bytes.append(byte) } else { bytes.append(contentsOf: String(scalar).utf8) }
        }
        return bytes
    }

    /// Calls `body` with the zero-terminated system form of `path`.
    public static func withCPath<R>(_ path: String, _ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        var bytes = encode(path).map { CChar(bitPattern: $0) }
        bytes.append(0)
        return try body(bytes)
    }

    /// The length of the UTF-8 sequence a lead byte announces (0 for a byte that cannot lead).
    private static func sequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let length = lead < 0x80 ? 1 : lead >= 0xF0 && lead < 0xF5 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0
        return index + length <= bytes.count ? length : 0
    }

    /// The names in a directory (not `.` and `..`), decoded losslessly; throws with the
    /// system's reason when it cannot be listed.
    public static func contentsOfDirectory(atPath path: String) throws -> [String] {
        guard let directory = withCPath(path, { opendir($0) }) else {
            throw POSIXFailure(operation: "list \(path)")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw POSIXFailure(operation: "list \(path)") }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                decode(raw.prefix(while: { $0 != 0 }))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates `path` and its missing parents (like `mkdir -p`).
    public static func createDirectories(_ path: String) throws {
        var info = stat()
        if withCPath(path, { stat($0, &info) }) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try createDirectories(parent) }
        guard withCPath(path, { mkdir($0, 0o755) }) == 0 || errno == EEXIST else {
            throw POSIXFailure(operation: "create the directory \(path)")
        }
    }
}
