import Foundation
import GlyphImaging

/// The order in which `InputWalker` visits files, as a comparison of relative paths: component
/// by component, each by the bytes of its UTF-8 name, a directory's files and subdirectories
/// interleaved where their names sort. That is byte order with `/` counted below every other
/// byte (names cannot contain `/` or NUL): `a/b` before `a-b` before `a0`. The bytes are the
/// file system's (`FileSystemName.encode`): a name that is not UTF-8 sorts by its raw bytes.
enum WalkOrder {
    /// -1, 0 or 1 as `a` comes before, is, or comes after `b`; equal means equal bytes.
    static func compare(_ a: String, _ b: String) -> Int {
        let fast = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in compare(x, y, exact: false) }
        }
        if let fast, let result = fast, let result { return result }
        // A scalar from U+100000 up (lead byte F4) may be an escaped raw byte: compare the
        // system's bytes.
        return FileSystemName.encode(a).withUnsafeBufferPointer { x in
            FileSystemName.encode(b).withUnsafeBufferPointer { y in compare(x, y, exact: true) ?? 0 }
        }
    }

    static func precedes(_ a: String, _ b: String) -> Bool { compare(a, b) < 0 }

    /// Nil (when not `exact`) if the order depends on a byte F4 up to the first difference.
    private static func compare(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>, exact: Bool) -> Int? {
        let common = min(x.count, y.count)
        var index = 0
        while index < common {
            let p = x[index], q = y[index]
            if p != q {
                if !exact && (p == 0xF4 || q == 0xF4) { return nil }
                let pk = p == UInt8(ascii: "/") ? 0 : Int(p) + 1
                let qk = q == UInt8(ascii: "/") ? 0 : Int(q) + 1
                return pk < qk ? -1 : 1
            }
            if !exact && p == 0xF4 { return nil }
            index += 1
        }
        return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
    }
}

/// The valid lines of one manifest file, read through a buffer, noting whether they come in
/// walk order (equal inputs in a row allowed).
final class ManifestStream {
    private let reader: LineReader?
    private var last: String?
    /// A line read ahead while gathering a page's glyph lines.
    private var ahead: ManifestReader.Line?
    /// False once a line came before the one above it.
    private(set) var isInWalkOrder = true

    /// An empty stream when the file does not exist.
    init(path: String) {
        reader = LineReader(path: path)
    }

    /// The next entry: one line, or all lines of one file (a page's glyphs 0, 1, …, a
    /// multi-page file's pages 0, 1, …, of the same input in a row) as one `Line`.
    func next() -> ManifestReader.Line? {
        guard var line = ahead ?? parsedLine() else { return nil }
        ahead = nil
        if isInWalkOrder, let last, WalkOrder.compare(last, line.input) > 0 { isInWalkOrder = false }
        last = line.input
        guard line.glyph != nil || line.page != nil else { return line }
        while let following = parsedLine() {
            guard following.input == line.input, following.glyph != nil || following.page != nil, !following.beginsFile else {
                ahead = following
                break
            }
            line.append(following)
        }
        return line
    }

    private func parsedLine() -> ManifestReader.Line? {
        guard let reader else { return nil }
        while let parsed = reader.next({ ManifestLineParser.parse($0) }) {
            if let line = parsed { return line }
        }
        return nil
    }
}

/// A k-way merge of manifest streams that are each in walk order: their lines in walk order,
/// lines with the same input ordered by stream (lower index first), each stream's own lines in
/// file order. Holds one line per stream.
struct SortedLineMerge {
    struct Item {
        var line: ManifestReader.Line
        var source: Int
    }

    private let streams: [ManifestStream]
    private var heap: [Item] = []

    init(_ streams: [ManifestStream]) {
        self.streams = streams
        for (index, stream) in streams.enumerated() {
            if let line = stream.next() { push(Item(line: line, source: index)) }
        }
    }

    /// Whether every stream has been in walk order so far (check after the last `next()`).
    var streamsWereInOrder: Bool { streams.allSatisfy(\.isInWalkOrder) }
    /// The streams found out of order.
    var unorderedStreams: [Int] { streams.indices.filter { !streams[$0].isInWalkOrder } }

    var peek: Item? { heap.first }

    mutating func next() -> Item? {
        guard let top = heap.first else { return nil }
        if let line = streams[top.source].next() {
            heap[0] = Item(line: line, source: top.source)
            siftDown(0)
        } else {
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                siftDown(0)
            }
        }
        return top
    }

    private static func less(_ a: Item, _ b: Item) -> Bool {
        let order = WalkOrder.compare(a.line.input, b.line.input)
        return order != 0 ? order < 0 : a.source < b.source
    }

    private mutating func push(_ item: Item) {
        heap.append(item)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.less(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count && Self.less(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && Self.less(heap[right], heap[smallest]) { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

/// Sorts a manifest that is not in walk order (one written by an older glyphprep, or edited by
/// hand) in bounded memory: runs of at most `runBytes` of lines are sorted in memory, written
/// as temporaries beside `path`, then merged. Lines with the same input keep their file order.
enum ManifestSorter {
    /// Writes the valid lines of `path` in walk order to a new hidden temporary beside
    /// `besideTarget` and returns that file's path; the caller deletes it.
    static func sortedCopy(of path: String, besideTarget: String, runBytes: Int = 32 << 20) throws -> String {
        var runs: [String] = []
        defer { for run in runs { ManifestFiles.remove(run) } }
        let stream = ManifestStream(path: path)
        var lines: [ManifestReader.Line] = []
        var bytes = 0
        func writeRun() throws {
            let sorted = lines.enumerated().sorted { a, b in
                let order = WalkOrder.compare(a.element.input, b.element.input)
                return order != 0 ? order < 0 : a.offset < b.offset
            }
            let writer = try BufferedFileWriter(path: AtomicFile.temporaryPath(beside: besideTarget), atomic: false)
            runs.append(writer.path)
            for item in sorted { try writer.write(item.element.text + "\n") }
            try writer.commit()
            lines.removeAll(keepingCapacity: true)
            bytes = 0
        }
        while let line = stream.next() {
            lines.append(line)
            bytes += line.text.utf8.count + 64
            if bytes >= runBytes { try writeRun() }
        }
        if !lines.isEmpty || runs.isEmpty { try writeRun() }
        if runs.count == 1 { return runs.removeLast() }
        var merge = SortedLineMerge(runs.map { ManifestStream(path: $0) })
        let writer = try BufferedFileWriter(path: AtomicFile.temporaryPath(beside: besideTarget), atomic: false)
        while let item = merge.next() { try writer.write(item.line.text + "\n") }
        try writer.commit()
        return writer.path
    }
}

/// System calls on manifest paths, with names that are not UTF-8 passed byte for byte.
enum ManifestFiles {
    static func remove(_ path: String) {
        _ = FileSystemName.withCPath(path) { unlink($0) }
    }

    /// Renames `from` to `to`; false (errno set) on failure.
    static func move(_ from: String, to: String) -> Bool {
        FileSystemName.withCPath(from) { source in FileSystemName.withCPath(to) { rename(source, $0) } } == 0
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return FileSystemName.withCPath(path) { stat($0, &info) } == 0
    }
}
