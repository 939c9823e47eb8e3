import ArgumentParser
import Foundation
import GlyphPipeline

@main
struct GlyphPrepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glyphprep",
        abstract: "Turn scans of handwritten letters into EMNIST-style 28×28 images and classify them.",
        discussion: """
            Exit status: 0 when every file succeeded; 1 when some files failed (see the \
            manifest); 64 for usage or pipeline errors; 130 when interrupted.
            """,
        version: GlyphPrepVersion.string,
        subcommands: [Run.self, Merge.self, Validate.self, Stages.self, Preview.self, Sheet.self, Report.self, Synth.self, Classify.self, Train.self, Eval.self, PageEval.self]
    )

    /// As ArgumentParser's, but a file-system error of any subcommand is reported as
    /// "path: reason" with the usage status, instead of as Foundation's raw NSError text.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CocoaError {
            exit(withError: commandFailure(error))
        } catch {
            exit(withError: error)
        }
    }
}

/// Exit statuses shared by the subcommands.
enum Exit {
    static let someFilesFailed = ExitCode(1)
    static let usage = ExitCode(64)
    static let interrupted = ExitCode(130)
}
