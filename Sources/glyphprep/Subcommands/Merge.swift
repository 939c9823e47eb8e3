import ArgumentParser
import Foundation
import GlyphPipeline

extension GlyphPrepCommand {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Combine the manifests of a sharded run into manifest.jsonl, in input order.",
            discussion: """
            Exit status: 0 when every input file has exactly one line; 1 when files are missing or \
            duplicated (manifest.jsonl is then not written); 64 when no shard run files are found. Example:
              glyphprep merge out
            """)

        @Argument(help: "The output directory the shards wrote into.")
        var output: String

        func run() throws {
            let report: ShardMerger.Report
            do {
                report = try ShardMerger.merge(directory: output)
            } catch {
                throw CommandError("\(error)")
            }
            var lines: [String] = []
            if !report.unfinishedShards.isEmpty {
                lines.append("shards without a finished manifest: \(report.unfinishedShards.map(String.init).joined(separator: ", "))")
            }
            for (what, files) in [("missing", report.missing), ("duplicated", report.duplicated), ("not in the input", report.unexpected)] where !files.isEmpty {
                lines.append("\(files.count) files \(what): " + files.prefix(20).joined(separator: ", ") + (files.count > 20 ? ", …" : ""))
            }
            lines += report.notes
            lines.append(report.isComplete
                ? "merged \(report.shards) shards: \(report.files) files into \(output)/manifest.jsonl"
                : "not merged: \(report.files) input files, \(report.shards) shards")
            FileHandle.standardError.write(Data(lines.map { "glyphprep: \($0)\n" }.joined().utf8))
            if !report.isComplete { throw Exit.someFilesFailed }
        }
    }
}
