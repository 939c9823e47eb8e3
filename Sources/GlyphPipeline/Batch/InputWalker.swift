import Foundation
import GlyphImaging

/// One file found under the input directory.
public struct InputFile: Sendable, Equatable {
    /// Path relative to the input root, with `/` separators.
    public var relativePath: String
    /// Where its normalized image goes, relative to the output root.
    public var outputRelativePath: String
    /// Absolute path to read from.
    public var path: String
    /// Set when the file must not be read (a symlink out of the input root).
    public var refusal: StageFailure?
}

/// Walks an input tree in a deterministic order without holding the whole tree in memory:
/// only the sorted listings of the directories on the current path.
///
/// Entries of a directory are visited in byte order of their names, descending into
/// subdirectories where they sort. Hidden entries (names starting with `.`) are skipped.
/// Symbolic links to files inside the root are read; links that lead outside the root are
/// reported (`outside_input`) and not read; links to directories are not followed. A
/// subdirectory that cannot be listed is reported as one entry (`read_error`, path ending in
/// `/`). Names that are not valid UTF-8 are kept byte for byte (see `FileSystemName`).
public struct InputWalker: Sequence, IteratorProtocol {
    /// Extensions (lower case) of files treated as images (PDF pages are rendered as images).
    public static let imageExtensions: Set<String> = [
        "jpg", "jpeg", "jpe", "jfif", "png", "tif", "tiff", "webp", "gif", "bmp",
        "pbm", "pgm", "ppm", "pnm", "pfm", "jp2", "j2k", "jxl", "heic", "heif", "avif", "pdf",
    ]

    private let root: String
    private let rootReal: String
    private var stack: [(directory: String, entries: ArraySlice<Entry>)] = []

    private struct Entry {
        var name: String
        var isDirectory: Bool
        var outputName: String
    }

    /// Lists a directory; tests replace it to simulate failures.
    private let listDirectory: (@Sendable (String) throws -> [String])?

    /// Fails when the root is not a readable directory.
    public init(root: String) throws {
        try self.init(root: root, listDirectory: nil)
    }

    init(root: String, listDirectory: (@Sendable (String) throws -> [String])?) throws {
        var info = stat()
        guard FileSystemName.withCPath(root, { stat($0, &info) }) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw BatchError(message: "input directory \(root) does not exist or is not a directory")
        }
        self.listDirectory = listDirectory
        self.root = root
        self.rootReal = Self.realPath(root) ?? root
        stack = [("", try listing(of: ""))]
    }

    public mutating func next() -> InputFile? {
        while let top = stack.last {
            guard let entry = top.entries.first else {
                stack.removeLast()
                continue
            }
            stack[stack.count - 1].entries = top.entries.dropFirst()
            let relative = top.directory.isEmpty ? entry.name : top.directory + "/" + entry.name
            if entry.isDirectory {
                do {
                    stack.append((relative, try listing(of: relative)))
                    continue
                } catch {
                    let failure = StageFailure(.readError, "cannot list the directory, so none of its files were processed: \(error)")
                    return InputFile(relativePath: relative + "/", outputRelativePath: relative + "/",
                                     path: root + "/" + relative, refusal: failure)
                }
            }
            let outputRelative = top.directory.isEmpty ? entry.outputName : top.directory + "/" + entry.outputName
            let path = root + "/" + relative
            var file = InputFile(relativePath: relative, outputRelativePath: outputRelative, path: path, refusal: nil)
            if let real = Self.realPath(path), !(real == rootReal || real.hasPrefix(rootReal + "/")) {
                file.refusal = StageFailure(.outsideInput, "symbolic link to \(real), outside the input directory; not read")
            }
            return file
        }
        return nil
    }

    /// The sorted image files and subdirectories of `relative`.
    private func listing(of relative: String) throws -> ArraySlice<Entry> {
        let directory = relative.isEmpty ? root : root + "/" + relative
        let names = try (listDirectory ?? FileSystemName.contentsOfDirectory)(directory)
            .filter { !$0.hasPrefix(".") }
            .map { (name: $0, bytes: FileSystemName.encode($0)) }
            .sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
            .map(\.name)
        var entries: [Entry] = []
        for name in names {
            var info = stat()
            guard FileSystemName.withCPath(directory + "/" + name, { lstat($0, &info) }) == 0 else { continue }
            let kind = info.st_mode & S_IFMT
            if kind == S_IFDIR {
                entries.append(Entry(name: name, isDirectory: true, outputName: name))
            } else if (kind == S_IFREG || kind == S_IFLNK) && Self.isImageName(name) {
                if kind == S_IFLNK {
                    var target = stat()
                    let found = FileSystemName.withCPath(directory + "/" + name) { stat($0, &target) } == 0
                    if found && (target.st_mode & S_IFMT) == S_IFDIR { continue }
                }
                entries.append(Entry(name: name, isDirectory: false, outputName: name))
            }
        }
        // Outputs are PNG: `a.jpg` becomes `a.png`, unless another image in the same directory
        // has the stem `a`, in which case each keeps its extension (`a.jpg.png`).
        var stems: [String: Int] = [:]
        for entry in entries where !entry.isDirectory { stems[Self.stem(entry.name), default: 0] += 1 }
        for index in entries.indices where !entries[index].isDirectory {
            let name = entries[index].name
            entries[index].outputName = stems[Self.stem(name), default: 0] > 1 ? name + ".png" : Self.stem(name) + ".png"
        }
        return entries[...]
    }

    static func isImageName(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        return imageExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    static func stem(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// Whether `path`, symbolic links resolved, exists and lies inside `root` (the rule by
    /// which `run` reads or refuses a file).
    public static func resolves(_ path: String, inside root: String) -> Bool {
        guard let real = realPath(path), let rootReal = realPath(root) else { return false }
        return real == rootReal || real.hasPrefix(rootReal + "/")
    }

    /// The canonical absolute path (symlinks resolved), or nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = FileSystemName.withCPath(path, { realpath($0, nil) }) else { return nil }
        defer { free(resolved) }
        return FileSystemName.decode(UnsafeBufferPointer(start: resolved, count: strlen(resolved)).map { UInt8(bitPattern: $0) })
    }
}
