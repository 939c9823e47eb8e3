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

        func validate() throws {
            guard !images.isEmpty else { throw ValidationError("give at least one image") }
            guard (1...100).contains(topK) else { throw ValidationError("--top-k must be between 1 and 100") }
        }

        func run() throws {
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
    }
}
