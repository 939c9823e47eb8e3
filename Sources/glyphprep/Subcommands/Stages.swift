import ArgumentParser
import GlyphPipeline
import GlyphPipeline

extension GlyphPrepCommand {
    struct Stages: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the stages a pipeline can use, with their parameters.")

        func run() throws {
            print(PipelineDescription.catalog())
        }
    }
}
