import ArgumentParser
import GlyphPipeline

extension GlyphPrepCommand {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a pipeline file and print its stages.")

        @OptionGroup var pipelineFile: PipelineFile

        func run() throws {
            let loaded = try pipelineFile.load()
            print(PipelineDescription.describe(loaded.pipeline))
        }
    }
}
