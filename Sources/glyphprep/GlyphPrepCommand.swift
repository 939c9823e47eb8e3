import ArgumentParser
import Foundation
import GlyphImaging
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
        subcommands: [Run.self, Merge.self, Validate.self, Stages.self, Preview.self, Sheet.self, Report.self, Synth.self, Classify.self, Train.self, Calibrate.self, Eval.self, PageEval.self]
    )

    /// As ArgumentParser's, but only a mistake in the command line is followed by usage text:
    /// an error while the command runs is reported as "Error: …" (a file-system error as
    /// "path: reason", not Foundation's raw text) with the usage status.
    static func main() {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(rawArguments())
        } catch {
            exit(withError: error)
        }
        do {
            try command.run()
        } catch where String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
            exit(withError: error)  // help, version, exit codes: ArgumentParser's own handling
        } catch {
            exit(withError: commandFailure(error))
        }
    }
}

/// The command line as the system passed it: an argument that is not valid UTF-8 (a file
/// name) keeps its bytes, as `FileSystemName` escapes them, instead of becoming U+FFFD.
private func rawArguments() -> [String] {
    (1..<Int(CommandLine.argc)).map { index in
        guard let argument = CommandLine.unsafeArgv[index] else { return "" }
        return FileSystemName.decode(UnsafeBufferPointer(start: argument, count: strlen(argument)).map { UInt8(bitPattern: $0) })
    }
}

/// Exit statuses shared by the subcommands.
enum Exit {
    static let someFilesFailed = ExitCode(1)
    static let usage = ExitCode(64)
    static let interrupted = ExitCode(130)
}

/// A command that cannot go on, for a reason other than how it was called: reported as
/// "Error: …" with the usage status, without usage text.
struct CommandError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
