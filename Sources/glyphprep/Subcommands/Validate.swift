import ArgumentParser
import GlyphPipeline

extension GlyphPrepCommand {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a pipeline file, print its stages, and try it on two made-up scans.",
            discussion: """
            Reports every problem of the file at once, with line and column. The dry run shows the \
            real output size; a pipeline that fails on both scans is refused (exit 64). Example:
              glyphprep validate pipelines/emnist.yaml
            """)

        @OptionGroup var pipelineFile: PipelineFile

        func run() throws {
            let loaded = try pipelineFile.load()
            let dryRun = PipelineDryRun(loaded.pipeline)
            if let failures = dryRun.failureOnEveryInput {
                throw CommandError("\(pipelineFile.pipeline) would fail on every input:\n  " + failures.joined(separator: "\n  "))
            }
            print(PipelineDescription.describe(loaded.pipeline, dryRun: dryRun))
        }
    }
}
