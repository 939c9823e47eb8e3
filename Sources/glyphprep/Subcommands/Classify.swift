import ArgumentParser
import Foundation
import GlyphModel
import GlyphPipeline

extension GlyphPrepCommand {
    struct Classify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Classify already-normalized images (e.g. 28×28 PNGs) with an ONNX model; one JSON line per image.")

        @Argument(help: "The ONNX model (.onnx path or a name in models/).")
        var model: String

        @Argument(help: "Normalized grayscale images.")
        var images: [String] = []

        @Option(help: "Guesses per image.")
        var topK = 3

        @Flag(help: "Transpose images first (models trained on raw EMNIST arrays).")
        var transpose = false

        @Flag(help: "Only check the model: list every node the engine cannot run (exit 1 if any), classify nothing.")
        var check = false

        func validate() throws {
            guard check || !images.isEmpty else { throw ValidationError("give at least one image") }
            guard (1...100).contains(topK) else { throw ValidationError("--top-k must be between 1 and 100") }
        }

        func run() throws {
            if check { return try checkModel() }
            var options = ClassifyOptions(model: model)
            options.topK = topK
            options.transpose = transpose
            let classifier: ONNXClassifier
            do {
                classifier = try ONNXClassifier(options: options, baseDirectory: nil)
            } catch {
                throw ValidationError(error.description)
            }
            let lines = NormalizedImageClassification.classify(images, with: classifier)
            for line in lines { print(line.record.jsonLine) }
            if lines.contains(where: { $0.record.status == .error }) { throw Exit.someFilesFailed }
        }

        /// `--check`: every unsupported node at once, before any image is read.
        private func checkModel() throws {
            let nodes = try Result { try ONNXClassifier.unsupportedNodes(of: model) }
                .mapError { ValidationError("\($0)") }.get()
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
