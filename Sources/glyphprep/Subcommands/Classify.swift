import ArgumentParser
import Foundation
import GlyphModel
import GlyphPipeline

extension GlyphPrepCommand {
    struct Classify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Classify images with an ONNX model; one JSON line per image.",
            discussion: """
            Images are normalized already (e.g. a run's 28×28 PNGs), or raw scans with --pipeline, \
            which normalizes each one and uses the model of its classify stage. Examples:
              glyphprep classify letters out/w01_a.png out/w01_b.png
              glyphprep classify --pipeline pipelines/emnist.yaml scan.jpg
            """)

        @Argument(help: "The ONNX model (.onnx path or a name in models/); with --pipeline, the first image instead.")
        var model: String

        @Argument(help: "Images: normalized, or raw scans with --pipeline.")
        var images: [String] = []

        @Option(help: "A pipeline ending in classify: normalize each (raw) image with it and use its model.")
        var pipeline: String?

        @Option(help: "Guesses per image.")
        var topK = 3

        @Flag(help: "Transpose images first (models trained on raw EMNIST arrays).")
        var transpose = false

        @Flag(help: "Only check the model: list every node the engine cannot run (exit 1 if any), classify nothing.")
        var check = false

        func validate() throws {
            guard check || pipeline != nil || !images.isEmpty else { throw ValidationError("give at least one image") }
            guard !(check && pipeline != nil) else { throw ValidationError("--check takes a model, not --pipeline") }
            guard (1...100).contains(topK) else { throw ValidationError("--top-k must be between 1 and 100") }
        }

        func run() throws {
            if check { return try checkModel() }
            if let pipeline { return try classifyRaw(pipeline) }
            var options = ClassifyOptions(model: model)
            options.topK = topK
            options.transpose = transpose
            let classifier: ONNXClassifier
            do {
                classifier = try ONNXClassifier(options: options, baseDirectory: nil)
            } catch {
                throw CommandError(error.description)
            }
            let lines = NormalizedImageClassification.classify(images, with: classifier)
            for line in lines { print(line.record.jsonLine) }
            if lines.contains(where: { $0.record.status == .error }) { throw Exit.someFilesFailed }
        }

        /// `--pipeline`: every argument is a raw scan, normalized by the pipeline.
        private func classifyRaw(_ path: String) throws {
            let loaded = try loadPipeline(path)
            guard let classifier = loaded.classifier else {
                throw CommandError("\(path) has no classify stage; add e.g. `- classify: {model: letters}`")
            }
            let lines = NormalizedImageClassification.classify([model] + images, with: classifier, pipeline: loaded.pipeline)
            for line in lines { print(line.record.jsonLine) }
            if lines.contains(where: { $0.record.status == .error }) { throw Exit.someFilesFailed }
        }

        /// `--check`: every unsupported node at once, before any image is read.
        private func checkModel() throws {
            let nodes = try Result { try ONNXClassifier.unsupportedNodes(of: model) }
                .mapError { CommandError("\($0)") }.get()
            guard !nodes.isEmpty else {
                print("\(model): every node is supported")
                return
            }
            print("\(model): \(nodes.count) unsupported node\(nodes.count == 1 ? "" : "s")")
            for node in nodes { print("  \(node)") }
            throw Exit.someFilesFailed
        }
    }
}
