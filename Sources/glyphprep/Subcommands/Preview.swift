import ArgumentParser
import GlyphPrep

extension GlyphPrepCommand {
    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw every stage's output for a few scans, one row per scan, as a PNG.")

        @Argument(help: "The pipeline YAML file.")
        var pipeline: String

        @Argument(help: "The scans to preview.")
        var images: [String] = []

        @Option(name: .shortAndLong, help: "The PNG to write.")
        var output: String

        @Option(help: "An ONNX model: adds the top-3 predictions.")
        var model: String?

        @Flag(help: "Also draw each layer's activations (needs --model).")
        var activations = false

        @Option(help: "Height of each image panel in pixels.")
        var panelHeight = 112

        static let modelUnavailable = "the ONNX model runtime is not available in this build; run preview without --model and --activations"

        func validate() throws {
            guard !images.isEmpty else { throw ValidationError("give at least one image") }
            guard (16...1024).contains(panelHeight) else { throw ValidationError("--panel-height must be between 16 and 1024") }
            if activations && model == nil { throw ValidationError("--activations needs --model") }
            if model != nil { throw ValidationError(Self.modelUnavailable) }
        }

        func run() throws {
            let renderer = PreviewRenderer(pipeline: try loadPipeline(pipeline), panelHeight: panelHeight)
            do {
                try renderer.render(files: images).writePNG(to: output)
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }
}
