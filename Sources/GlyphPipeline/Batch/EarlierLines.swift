import Foundation
import GlyphImaging

/// What earlier runs recorded in an output directory, for `--resume`: read as one stream in
/// walk order alongside the new walk, so memory does not depend on the number of files.
///
/// `combine` merges the final manifest, the previous state of an unfinished resume and the
/// partial manifest of an unfinished run (newest wins for a file) into one file in walk order
/// with one line per file; the resumed run keeps it as `.previous` and reads it with a cursor.
/// glyphprep writes all three in walk order; one that is not (a `.previous` of glyphprep 0.1.0
/// and earlier was sorted by its text, or a hand-edited manifest) is sorted first by
/// `ManifestSorter`, in bounded memory.
struct EarlierLines {
    private let stream: ManifestStream
    private var head: ManifestReader.Line?

    /// Reads `path`, which must be in walk order with one line per input (as `combine` writes).
    init(path: String) {
        stream = ManifestStream(path: path)
        head = stream.next()
    }

    /// The earlier line of `input`. Inputs must be asked in walk order: lines of inputs before
    /// `input` (files no longer in the input directory) are passed over for good.
    mutating func line(for input: String) -> ManifestReader.Line? {
        while let line = head, WalkOrder.compare(line.input, input) < 0 { head = stream.next() }
        guard let line = head, WalkOrder.compare(line.input, input) == 0 else { return nil }
        return line
    }

    /// Whether no lines are left for inputs from here on.
    var isExhausted: Bool { head == nil }

    /// Writes what the runs before recorded in `layout` into a hidden temporary beside
    /// `layout.previous`, in walk order, the newest line of each file only. Returns its path
    /// and how many lines it has; the caller renames or deletes it.
    static func combine(layout: RunLayout) throws -> (path: String, lines: Int) {
        var sources = [layout.manifest, layout.previous, layout.partial]
        var copies: [String] = []
        defer { for copy in copies { ManifestFiles.remove(copy) } }
        for _ in 0..<2 {
            let writer = try BufferedFileWriter(path: AtomicFile.temporaryPath(beside: layout.previous), atomic: false)
            var merge = SortedLineMerge(sources.map { ManifestStream(path: $0) })
            var count = 0
            while var newest = merge.next() {
                while let following = merge.peek, WalkOrder.compare(following.line.input, newest.line.input) == 0,
                      let taken = merge.next() {
                    newest = taken
                }
                try writer.write(newest.line.text + "\n")
                count += 1
            }
            try writer.commit()
            let unordered = merge.unorderedStreams
            if unordered.isEmpty { return (writer.path, count) }
            ManifestFiles.remove(writer.path)
            for index in unordered {
                let copy = try ManifestSorter.sortedCopy(of: sources[index], besideTarget: layout.previous)
                copies.append(copy)
                sources[index] = copy
            }
        }
        throw BatchError(message: "cannot put the earlier manifests in \(layout.directory) in input order")
    }
}
