import Foundation
import GlyphImaging

/// Temporary files left by a killed run (`.name.tmp-PID-RANDOM`), removed when the file they
/// were meant for comes up again. Each output directory is listed once, before this run writes
/// into it.
struct StaleTemporaries {
    let root: String
    private var byDirectory: [String: [String: [String]]] = [:]

    init(root: String) {
        self.root = root
    }

    mutating func remove(for outputRelative: String) {
        let directory = (outputRelative as NSString).deletingLastPathComponent
        let name = (outputRelative as NSString).lastPathComponent
        if byDirectory[directory] == nil {
            var found: [String: [String]] = [:]
            let path = directory.isEmpty ? root : root + "/" + directory
            for entry in (try? FileSystemName.contentsOfDirectory(atPath: path)) ?? [] where entry.hasPrefix(".") {
                guard let marker = entry.range(of: ".tmp-", options: .backwards) else { continue }
                found[String(entry[entry.index(after: entry.startIndex)..<marker.lowerBound]), default: []].append(entry)
            }
            byDirectory[directory] = found
        }
        guard let stale = byDirectory[directory]?[name] else { return }
        let path = directory.isEmpty ? root : root + "/" + directory
        for entry in stale { _ = FileSystemName.withCPath(path + "/" + entry) { unlink($0) } }
        byDirectory[directory]?[name] = nil
    }
}
