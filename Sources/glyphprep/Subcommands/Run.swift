import ArgumentParser
import Foundation
import GlyphImaging
import GlyphModel
import GlyphPipeline

extension GlyphPrepCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a pipeline over a directory tree, writing normalized PNGs and manifest.jsonl.",
            discussion: """
            One manifest line per image file (names that are not UTF-8 are written as \\udcXX, \
            Python's surrogateescape). An output directory that holds an earlier run needs --resume \
            or --overwrite. Examples:
              glyphprep run pipelines/emnist.yaml scans -o out
              glyphprep run pipelines/emnist.yaml scans -o out --resume
              glyphprep run pipelines/emnist.yaml scans -o out --shard 3/8
            """)

        @OptionGroup var pipelineFile: PipelineFile

        @Argument(help: "The directory of scans (searched recursively).")
        var input: String

        @OptionGroup var runOptions: RunOptions

        func run() throws {
            let loaded = try pipelineFile.load()
            if let warning = loaded.mismatchWarning {
                FileHandle.standardError.write(Data("glyphprep: warning: \(warning)\n".utf8))
            }
            let stop = StopFlag()
            Interrupts.stopGracefully(stop)
            let summary: BatchSummary
            do {
                let runner = BatchRunner(pipeline: loaded.pipeline, classifier: loaded.classifier, options: try runOptions.batchOptions())
                let line = runOptions.progress ? ProgressLine() : nil
                defer { line?.finish() }
                let report: (@Sendable (BatchProgress) -> Void)? = line.map { line in { @Sendable progress in line.draw(progress) } }
                summary = try runner.run(input: input, output: runOptions.output, stop: stop, progress: report)
            } catch {
                throw commandFailure(error)
            }
            for note in summary.notes { FileHandle.standardError.write(Data("glyphprep: \(note)\n".utf8)) }
            if summary.total == 0 && !summary.interrupted {
                FileHandle.standardError.write(Data("glyphprep: warning: no image files under \(input)\(runOptions.shard == nil ? "" : " in this shard") (hidden entries and files without an image extension are skipped)\n".utf8))
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

    // Optional, so that --help states the rule for the default instead of this machine's value.
    @Option(name: [.customShort("j"), .customLong("jobs")], help: "Files processed at once (default: the number of cores).")
    var jobsOption: Int?

    @Flag(name: .customLong("progress"), inversion: .prefixedNo,
          help: "Show a progress line (default: when standard error is a terminal).")
    var progressFlag: Bool?

    var jobs: Int { jobsOption ?? ProcessInfo.processInfo.activeProcessorCount }
    var progress: Bool { progressFlag ?? (isatty(2) != 0) }

    @Flag(help: "Keep the results of an earlier run in the output directory: only new, failed and damaged files are processed.")
    var resume = false

    @Flag(help: "Replace an earlier run in the output directory: remove everything in it first (a directory that holds no glyphprep run is never emptied).")
    var overwrite = false

    @Option(help: "With --resume, process files again whose earlier attempt failed.")
    var retryFailed = true

    @Flag(help: "With --resume, reuse earlier results even though the pipeline file changed.")
    var force = false

    @Option(help: ArgumentHelp(
        "Process one shard: INDEX/COUNT, or COUNT with the index from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN).",
        valueName: "index/count"))
    var shard: String?

    func validate() throws {
        guard jobs >= 1 && jobs <= 1024 else { throw ValidationError("--jobs must be between 1 and 1024") }
        guard !(resume && overwrite) else { throw ValidationError("--resume keeps the earlier run and --overwrite removes it: choose one") }
        _ = try shardSpec()
    }

    /// `--shard` parsed; a bad value is a usage error (exit 64).
    func shardSpec() throws -> ShardSpec? {
        do {
            return try shard.map { text throws(BatchError) in try ShardSpec.parse(text, environment: ProcessInfo.processInfo.environment) }
        } catch {
            throw ValidationError(error.message)
        }
    }

    func batchOptions() throws -> BatchOptions {
        BatchOptions(jobs: jobs, showProgress: progress, resume: resume, retryFailed: retryFailed, force: force,
                     shard: try shardSpec(), overwrite: overwrite)
    }
}

/// Reports an error that stops a command (not one file's, which the manifest records) as
/// "path: reason" for file-system errors, and exits with the usage status.
func commandFailure(_ error: Error) -> ExitCode {
    let message: String
    if let cocoa = error as? CocoaError, let path = cocoa.userInfo[NSFilePathErrorKey] as? String {
        message = "\(path): \(SystemErrorText.reason(cocoa))"
    } else if let cocoa = error as? CocoaError {
        message = SystemErrorText.reason(cocoa)
    } else {
        message = "\(error)"
    }
    FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
    return Exit.usage
}

/// Loads a model for a command-line `--model`, with `classify`'s default input handling.
func loadClassifier(_ path: String) throws -> ONNXClassifier {
    do {
        return try ONNXClassifier(options: ClassifyOptions(model: path), baseDirectory: nil)
    } catch {
        throw CommandError(error.description)
    }
}

/// Loads a pipeline file, turning its errors into a usage failure with file:line:column.
func loadPipeline(_ path: String) throws -> LoadedPipeline {
    do {
        return try LoadedPipeline(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw CommandError(error.description)
    }
}

/// The pipeline file argument of `run`, `preview` and `validate`.
struct PipelineFile: ParsableArguments {
    @Argument(help: "The pipeline YAML file.")
    var pipeline: String

    func load() throws -> LoadedPipeline { try loadPipeline(pipeline) }
}

/// What `sheet` and `report` read and write: a run's output directory and the file to draw.
struct RunDirectory: ParsableArguments {
    @Argument(help: "The output directory of a run (with manifest.jsonl).")
    var directory: String

    @Option(name: .shortAndLong, help: "The file to write (sheet: PNG, report: HTML).")
    var output: String
}
