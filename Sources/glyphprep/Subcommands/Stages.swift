import ArgumentParser
import GlyphPipeline

extension GlyphPrepCommand {
    struct Stages: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the stages a pipeline can use, with their parameters.",
            discussion: """
            Examples:
              glyphprep stages
              glyphprep stages --markdown > docs/stages.md
            """)

        @Flag(help: "Print the reference as Markdown (docs/stages.md).")
        var markdown = false

        func run() throws {
            print(markdown ? PipelineDescription.markdownCatalog() : PipelineDescription.catalog())
        }
    }
}
