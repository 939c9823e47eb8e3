import Foundation
import GlyphImaging

/// Combines the manifests of a sharded run into the `manifest.jsonl` a single run would have
/// written: the input directory recorded in the shards' `run-I-of-N.json` is walked again and
/// each file's line is taken from the shard that processed it.
public enum ShardMerger {
    /// What a merge found.
    public struct Report: Sendable, Equatable {
        public var shards = 0
        public var files = 0
        /// Input files no shard manifest has a line for.
        public var missing: [String] = []
        /// Input files with more than one line across the shard manifests.
        public var duplicated: [String] = []
        /// Lines for files that are not (or no longer) in the input directory.
        public var unexpected: [String] = []
        /// Shards without a finished manifest.
        public var unfinishedShards: [Int] = []
        public var notes: [String] = []

        public var isComplete: Bool {
            missing.isEmpty && duplicated.isEmpty && unexpected.isEmpty && unfinishedShards.isEmpty
        }
    }

    /// Merges the shard manifests in `directory`. Writes `manifest.jsonl`, `run.json` and the
    /// dataset export only when every file has exactly one line.
    public static func merge(directory: String) throws(BatchError) -> Report {
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
        var report = Report(shards: count)
        var lines: [String: [String]] = [:]
        for index in 0..<count {
            let layout = RunLayout(directory: directory, shard: try ShardSpec(index: index, count: count))
            guard infos.contains(where: { $0.shard?.index == index }), FileManager.default.fileExists(atPath: layout.manifest) else {
                report.unfinishedShards.append(index)
                continue
            }
            for line in ManifestReader.lines(at: layout.manifest) { lines[line.input, default: []].append(line.text) }
        }
        let walker: InputWalker
        do {
            walker = try InputWalker(root: first.input)
        } catch {
            throw BatchError(message: "cannot walk the input directory \(first.input) recorded in the shard run files: \(SystemErrorText.reason(error))")
        }
        var text = ""
        for file in walker {
            report.files += 1
            guard let found = lines.removeValue(forKey: file.relativePath) else {
                report.missing.append(file.relativePath)
                continue
            }
            if found.count > 1 { report.duplicated.append(file.relativePath) }
            text += found[0] + "\n"
        }
        report.unexpected = lines.keys.sorted()
        guard report.isComplete else { return report }

        var info = first
        info.shard = nil
        let manifest = RunLayout(directory: directory, shard: nil).manifest
        do {
            try AtomicFile.write(Array(text.utf8), to: manifest)
            try AtomicFile.write(Array(info.json.utf8), to: RunLayout(directory: directory, shard: nil).runInfo)
            if info.format != .png {
                report.notes = try DatasetExporter.export(directory: directory, manifest: manifest, info: info)
            }
        } catch let error as BatchError {
            throw error
        } catch {
            throw BatchError(message: "\(error)")
        }
        return report
    }
}
