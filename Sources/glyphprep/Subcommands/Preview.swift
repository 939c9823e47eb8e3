import ArgumentParser
import GlyphPipeline
import GlyphVisualization

extension GlyphPrepCommand {
    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw every stage's output for a few scans, one row per scan, as a PNG.",
            discussion: """
            Examples:
              glyphprep preview pipelines/emnist.yaml samples/w01_a.jpg samples/w02_b.jpg -o preview.png
              glyphprep preview pipelines/emnist.yaml scan.jpg -o layers.png --activations
            """)

        @OptionGroup var pipelineFile: PipelineFile

        @Argument(help: "The scans to preview.")
        var images: [String] = []

        @Option(name: .shortAndLong, help: "The PNG to write.")
        var output: String

        @Option(help: "An ONNX model (default: the pipeline's classify model): adds the top-3 predictions.")
        var model: String?

        @Flag(help: "Also draw each layer's activations (needs --model).")
        var activations = false

        @Option(help: "Height of each image panel in pixels.")
        var panelHeight = 112

        func validate() throws {
            guard !images.isEmpty else { throw ValidationError("give at least one image") }
            guard (16...1024).contains(panelHeight) else { throw ValidationError("--panel-height must be between 16 and 1024") }
        }

        func run() throws {
            let loaded = try pipelineFile.load()
            let classifier = try model.map { try loadClassifier($0) } ?? loaded.classifier
            if activations && classifier == nil {
                throw ValidationError("--activations needs a model: --model, or a pipeline ending in classify")
            }
            let renderer = PreviewRenderer(pipeline: loaded.pipeline, classifier: classifier,
                                           activationSource: activations ? classifier : nil, panelHeight: panelHeight)
            do {
                try renderer.render(files: images).writePNG(to: output)
            } catch {
                throw commandFailure(error)
            }
        }
    }
}
