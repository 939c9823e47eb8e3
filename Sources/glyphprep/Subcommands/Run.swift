import ArgumentParser
import Foundation
import GlyphPrep

extension GlyphPrepCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a pipeline over a directory tree, writing normalized PNGs and manifest.jsonl.")

        @Argument(help: "The pipeline YAML file.")
        var pipeline: String

        @Argument(help: "The directory of scans (searched recursively).")
        var input: String

        @OptionGroup var runOptions: RunOptions

        func run() throws {
            let loaded = try loadPipeline(pipeline)
            let stop = StopFlag()
            Interrupts.stopGracefully(stop)
            let runner = BatchRunner(pipeline: loaded, options: runOptions.batchOptions)
            let summary: BatchSummary
            do {
                summary = try runner.run(input: input, output: runOptions.output, stop: stop)
            } catch {
                throw ValidationError("\(error)")
            }
            FileHandle.standardError.write(Data((summary.line + "\n").utf8))
            if summary.interrupted { throw Exit.interrupted }
            if summary.failed > 0 { throw Exit.someFilesFailed }
        }
    }
}

/// Flags shared by the commands that process a tree.
struct RunOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The output directory (must not be inside the input).")
    var output: String

    @Option(name: .shortAndLong, help: "Files processed at once (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(inversion: .prefixedNo, help: "Show a progress line (default: when standard error is a terminal).")
    var progress: Bool = isatty(2) != 0

    func validate() throws {
        guard jobs >= 1 && jobs <= 1024 else { throw ValidationError("--jobs must be between 1 and 1024") }
    }

    var batchOptions: BatchOptions { BatchOptions(jobs: jobs, showProgress: progress) }
}

/// Loads a pipeline file, turning its errors into a usage failure with file:line:column.
func loadPipeline(_ path: String) throws -> Pipeline {
    do {
        return try Pipeline(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw ValidationError(error.description)
    }
}
