import ArgumentParser
import GlyphPrep

extension GlyphPrepCommand {
    struct Stages: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the stages a pipeline can use, with their parameters.")

        func run() throws {
            print(PipelineDescription.catalog())
        }
    }
}
