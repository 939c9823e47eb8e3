import Foundation
import GlyphImaging

/// What a run may find in its output directory, and what it does about it: a directory
/// that holds an earlier run is refused unless the user says `--resume` (keep it) or
/// `--overwrite` (remove it first), so outputs of two runs never mix.
public enum OutputDirectory {
    /// Checks `layout.directory` before a run and, with `overwrite`, removes the earlier run.
    /// A shard only looks at (and removes) its own manifest and the outputs that manifest names.
    static func claim(_ layout: RunLayout, resume: Bool, overwrite: Bool) throws {
        let directory = layout.directory
        guard try isDirectory(directory), !resume else { return }
        if layout.shard == nil {
            let isRun = { (name: String) in name.hasPrefix("manifest") && name.hasSuffix(".jsonl") || name.hasPrefix("run") && name.hasSuffix(".json") }
            try claimWhole(directory, ownedIf: isRun, overwrite: overwrite, what: "run",
                           hint: "use --resume to continue it, --overwrite to replace it, or choose another directory")
        } else {
            let own = [layout.manifest, layout.runInfo, layout.partial].filter { exists($0) }
            let full = directory + "/" + BatchRunner.manifestName
            if exists(full) && !overwrite {
                throw BatchError(message: "the output directory \(directory) holds a finished run (\(BatchRunner.manifestName)); shards must start in an empty directory or one used only by shards of this run; use --overwrite to replace it, or choose another directory")
            }
            guard !own.isEmpty || exists(full) else { return }
            guard overwrite else { throw usedDirectory(directory, holding: own.map { ($0 as NSString).lastPathComponent }) }
            let manifests = [layout.manifest, layout.partial, layout.previous, full]
            for path in manifests {
                let stream = ManifestStream(path: path)  // streamed: memory does not grow with the run
                while let line = stream.next() {
                    for case let output? in line.outputs { _ = FileSystemName.withCPath(directory + "/" + output) { unlink($0) } }
                }
            }
            for path in manifests + [layout.runInfo] { _ = FileSystemName.withCPath(path) { unlink($0) } }
        }
    }

    /// Checks a directory one command writes whole (a run, `synth`): empty or missing is fine; one
    /// with an entry that `ownedIf` recognises as that command's is refused, or emptied with
    /// `overwrite`; any other non-empty directory is always refused.
    public static func claimWhole(_ directory: String, ownedIf isOwned: (String) -> Bool, overwrite: Bool,
                                  what: String, hint: String) throws {
        guard try isDirectory(directory) else { return }
        let entries = try visibleEntries(of: directory)
        guard !entries.isEmpty else { return }
        guard entries.contains(where: isOwned) else {
            throw BatchError(message: "the output directory \(directory) is not empty and holds no glyphprep \(what) (\(sample(entries))); choose an empty or new directory")
        }
        guard overwrite else {
            throw BatchError(message: "the output directory \(directory) already holds an earlier \(what) (\(sample(entries))); \(hint)")
        }
        for entry in try FileSystemName.contentsOfDirectory(atPath: directory) {
            try removeTree(directory + "/" + entry)
        }
    }

    /// False when `path` does not exist; throws when it is not a directory.
    private static func isDirectory(_ path: String) throws -> Bool {
        var info = stat()
        guard FileSystemName.withCPath(path, { stat($0, &info) }) == 0 else { return false }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw BatchError(message: "the output \(path) is a file, not a directory; choose a directory (it is created when missing)")
        }
        return true
    }

    private static func usedDirectory(_ directory: String, holding entries: [String]) -> BatchError {
        BatchError(message: "the output directory \(directory) already holds an earlier run (\(sample(entries))); use --resume to continue it, --overwrite to replace it, or choose another directory")
    }

    private static func sample(_ entries: [String]) -> String {
        let sorted = entries.sorted()
        return sorted.prefix(3).joined(separator: ", ") + (sorted.count > 3 ? " and \(sorted.count - 3) more" : "")
    }

    private static func visibleEntries(of directory: String) throws -> [String] {
        do {
            return try FileSystemName.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }
        } catch {
            throw BatchError(message: "cannot read the output directory: \(error)")
        }
    }

    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return FileSystemName.withCPath(path) { lstat($0, &info) } == 0
    }

    /// Removes a file, or a directory with everything in it (symbolic links are removed,
    /// never followed).
    private static func removeTree(_ path: String) throws {
        var info = stat()
        guard FileSystemName.withCPath(path, { lstat($0, &info) }) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for entry in try FileSystemName.contentsOfDirectory(atPath: path) { try removeTree(path + "/" + entry) }
            guard FileSystemName.withCPath(path, { rmdir($0) }) == 0 else { throw BatchError(message: "\(POSIXFailure(operation: "remove \(path)"))") }
        } else {
            guard FileSystemName.withCPath(path, { unlink($0) }) == 0 else { throw BatchError(message: "\(POSIXFailure(operation: "remove \(path)"))") }
        }
    }
}
