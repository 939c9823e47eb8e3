import ArgumentParser
import GlyphPipeline

extension GlyphPrepCommand {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a pipeline file and print its stages.")

        @Argument(help: "The pipeline YAML file.")
        var pipeline: String

        func run() throws {
            let loaded = try loadPipeline(pipeline)
            print(PipelineDescription.describe(loaded.pipeline))
        }
    }
}
