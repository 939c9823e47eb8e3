import Foundation
import GlyphImaging

/// Combines the manifests of a sharded run into the `manifest.jsonl` a single run would have
/// written: the input directory recorded in the shards' `run-I-of-N.json` is walked again and
/// each file's line is taken from the shard that processed it.
public enum ShardMerger {
    /// Input files named in a report: how many, and the first few (at most `Names.kept`).
    public struct Names: Sendable, Equatable {
        public static let kept = 100
        public private(set) var count = 0
        public private(set) var first: [String] = []

        public init() {}

        mutating func add(_ name: String) {
            count += 1
            if first.count < Self.kept { first.append(name) }
        }

        public var isEmpty: Bool { count == 0 }
    }

    /// What a merge found.
    public struct Report: Sendable, Equatable {
        public var shards = 0
        public var files = 0
        /// Input files no shard manifest has a line for.
        public var missing = Names()
        /// Input files with more than one line across the shard manifests.
        public var duplicated = Names()
        /// Lines for files that are not (or no longer) in the input directory, in walk order.
        public var unexpected = Names()
        /// Shards without a finished manifest.
        public var unfinishedShards: [Int] = []
        /// Shard manifests that were not in input order (written by hand or by another
        /// program) and were sorted first.
        public var sortedShards: [Int] = []
        public var notes: [String] = []
        /// Whether the shards hold glyph lines (a pipeline with `segment`): `pages.jsonl` is written.
        var hasPages = false

        public var isComplete: Bool {
            missing.isEmpty && duplicated.isEmpty && unexpected.isEmpty && unfinishedShards.isEmpty
        }
    }

    /// Merges the shard manifests in `directory`: the input directory recorded in the shards'
    /// run files is walked again and, alongside, the shard manifests (each in walk order) are
    /// read as one k-way merge; memory does not depend on the number of files. Writes
    /// `manifest.jsonl`, `run.json` and the dataset export only when every file has exactly
    /// one line.
    public static func merge(directory: String) throws(BatchError) -> Report {
        let (first, count, finished) = try shardRuns(in: directory)
        var report = Report(shards: count)
        var sources: [String] = [], sourceShards: [Int] = []
        for index in 0..<count {
            let layout = RunLayout(directory: directory, shard: try ShardSpec(index: index, count: count))
            if finished.contains(index) && ManifestFiles.exists(layout.manifest) {
                sources.append(layout.manifest)
                sourceShards.append(index)
            } else {
                report.unfinishedShards.append(index)
            }
        }
        let manifest = RunLayout(directory: directory, shard: nil).manifest
        var copies: [String] = []
        defer { for copy in copies { ManifestFiles.remove(copy) } }
        do {
            var (result, writer, unordered) = try mergeOnce(sources: sources, input: first.input, into: manifest, report: report)
            if !unordered.isEmpty {
                writer.discard()
                for index in unordered {
                    let copy = try ManifestSorter.sortedCopy(of: sources[index], besideTarget: manifest)
                    copies.append(copy)
                    sources[index] = copy
                }
                (result, writer, _) = try mergeOnce(sources: sources, input: first.input, into: manifest, report: report)
                result.sortedShards = unordered.map { sourceShards[$0] }
            }
            report = result
            guard report.isComplete else {
                writer.discard()
                return report
            }
            try writer.commit()
            var info = first
            info.shard = nil
            try AtomicFile.write(Array(info.json.utf8), to: RunLayout(directory: directory, shard: nil).runInfo)
            if info.format != .png {
                report.notes += try DatasetExporter.export(directory: directory, manifest: manifest, info: info)
            }
            if report.hasPages { try PageText.write(directory: directory) }
        } catch let error as BatchError {
            throw error
        } catch {
            throw BatchError(message: "\(error)")
        }
        return report
    }

    /// The first shard run file, the shard count, and which shards have a run file; refuses
    /// shards of different runs.
    private static func shardRuns(in directory: String) throws(BatchError) -> (RunInfo, Int, Set<Int>) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw BatchError(message: "cannot list \(directory): \(SystemErrorText.reason(error))")
        }
        var infos: [RunInfo] = []
        for name in names.sorted() where name.hasPrefix("run-") && name.hasSuffix(".json") {
            if let info = try RunInfo.load(directory + "/" + name), info.shard != nil { infos.append(info) }
        }
        guard let first = infos.first, let count = first.shard?.count else {
            throw BatchError(message: "no shard run files (run-INDEX-of-COUNT.json) in \(directory)")
        }
        for info in infos {
            guard info.shard?.count == count, info.pipelineSHA256 == first.pipelineSHA256, info.input == first.input else {
                throw BatchError(message: "the shards in \(directory) come from different runs (shard counts, pipelines or inputs differ): \(info.shard?.description ?? "?") vs \(first.shard?.description ?? "?")")
            }
        }
        return (first, count, Set(infos.compactMap { $0.shard?.index }))
    }

    /// One pass: walks `input` and the merged `sources` side by side, writing the lines in
    /// walk order into a temporary for `manifest`. Also returns the sources found out of walk
    /// order (the pass is then void).
    private static func mergeOnce(sources: [String], input: String, into manifest: String,
                                  report start: Report) throws -> (Report, BufferedFileWriter, [Int]) {
        let walker: InputWalker
        do {
            walker = try InputWalker(root: input)
        } catch {
            throw BatchError(message: "cannot walk the input directory \(input) recorded in the shard run files: \(SystemErrorText.reason(error))")
        }
        var report = start
        let writer = try BufferedFileWriter(path: manifest)
        var merge = SortedLineMerge(sources.map { ManifestStream(path: $0) })
        func passUnexpected(before input: String?) {
            var last: String?
            while let head = merge.peek, input.map({ WalkOrder.compare(head.line.input, $0) < 0 }) ?? true {
                if last.map({ WalkOrder.compare($0, head.line.input) != 0 }) ?? true { report.unexpected.add(head.line.input) }
                last = head.line.input
                _ = merge.next()
            }
        }
        for file in walker {
            report.files += 1
            passUnexpected(before: file.relativePath)
            guard let found = merge.peek, WalkOrder.compare(found.line.input, file.relativePath) == 0 else {
                report.missing.add(file.relativePath)
                continue
            }
            _ = merge.next()
            if report.isComplete { try writer.write(found.line.text + "\n") }
            if found.line.glyph != nil { report.hasPages = true }
            var repeated = false
            while let next = merge.peek, WalkOrder.compare(next.line.input, file.relativePath) == 0 {
                repeated = true
                _ = merge.next()
            }
            if repeated { report.duplicated.add(file.relativePath) }
        }
        passUnexpected(before: nil)
        return (report, writer, merge.unorderedStreams)
    }
}
