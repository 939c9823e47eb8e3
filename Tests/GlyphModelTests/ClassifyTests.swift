import Foundation
import ONNXRuntime
import XCTest
@testable import GlyphModel
import GlyphTestSupport
@testable import GlyphPipeline
@testable import GlyphImaging

final class ClassifyTests: XCTestCase {
    /// A model that scores "left" by the ink in the left half of a 28×28 image and "right" by
    /// the ink in the right half, with the input layout given by `inputShape`.
    func halvesModel(inputShape: [Int], softmax: Bool = true, metadata: [String: String] = [:]) throws -> ONNXModel {
        var builder = ONNXModelBuilder(opsetVersion: 13)
        builder.metadata = metadata
        builder.addInput("image", shape: inputShape)
        var weights = [Float](repeating: 0, count: 784 * 2)
        for y in 0..<28 { for x in 0..<28 { weights[(y * 28 + x) * 2 + (x < 14 ? 0 : 1)] = 0.05 } }
        builder.addInitializer("W", try Tensor(shape: [784, 2], data: weights))
        var input = "image"
        if inputShape.count != 2 {
            builder.addNode("Flatten", inputs: ["image"], outputs: ["flat"], attributes: ["axis": .int(1)])
            input = "flat"
        }
        builder.addNode("Gemm", inputs: [input, "W"], outputs: ["scores"])
        if softmax {
            builder.addNode("Softmax", inputs: ["scores"], outputs: ["probabilities"], attributes: ["axis": .int(1)])
            builder.addOutput("probabilities", shape: [-1, 2])
        } else {
            builder.addOutput("scores", shape: [-1, 2])
        }
        return try ONNXModel(serializedData: builder.serializedData())
    }

    func leftInk() -> Raster { TestImages.block(width: 28, height: 28, rect: PixelRect(x: 2, y: 4, width: 6, height: 20)) }
    func topInk() -> Raster { TestImages.block(width: 28, height: 28, rect: PixelRect(x: 4, y: 2, width: 20, height: 6)) }

    func testClassifiesWithEveryLayoutAndLabelsFromOptions() throws {
        for (shape, layout) in [([-1, 1, 28, 28], ClassifyOptions.Layout.nchw), ([-1, 28, 28, 1], .nhwc), ([-1, 28, 28], .hw), ([-1, 784], .flat)] {
            var options = ClassifyOptions(model: "unused")
            options.labels = ["left", "right"]
            let classifier = try ONNXClassifier(model: halvesModel(inputShape: shape), options: options)
            XCTAssertEqual(classifier.layout, layout)
            let guesses = try classifier.classify([leftInk(), topInk()])
            XCTAssertEqual(guesses[0].map(\.label), ["left", "right"], "\(shape)")
            XCTAssertGreaterThan(guesses[0][0].probability, 0.99)
            XCTAssertEqual(guesses[0].map(\.probability).reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertEqual(guesses[1][0].label, "left")
        }
    }

    func testTransposeSoftmaxAndMetadataLabels() throws {
        let model = try halvesModel(inputShape: [-1, 1, 28, 28], softmax: false,
                                    metadata: [ONNXClassifier.MetadataKey.labels: "west,east"])
        var options = ClassifyOptions(model: "unused")
        options.transpose = true
        options.topK = 1
        let classifier = try ONNXClassifier(model: model, options: options)
        XCTAssertEqual(classifier.labels, ["west", "east"])
        // Ink along the top becomes ink along the left once transposed; softmax is applied
        // because the graph ends in Gemm.
        let top = try classifier.classify([topInk()])
        XCTAssertEqual(top[0].count, 1)
        XCTAssertEqual(top[0][0].label, "west")
        XCTAssertLessThan(top[0][0].probability, 1.0001)

        options.softmax = .never
        let raw = try ONNXClassifier(model: model, options: options).classify([topInk()])
        XCTAssertEqual(raw[0][0].probability, 0.05 * 120 * 255 / 255, accuracy: 1e-3, "raw score: 120 ink pixels × 0.05")
    }

    func testLabelCountMustMatchOutputs() throws {
        var options = ClassifyOptions(model: "unused")
        options.labels = ["a", "b", "c"]
        XCTAssertThrowsError(try ONNXClassifier(model: halvesModel(inputShape: [-1, 784]), options: options))
    }

    func testRunWritesPredictionsAndWarnsAboutAnotherPipeline() throws {
        let directory = try TestImages.temporaryDirectory()
        let trainedWith = TestImages.pipelineYAML.replacingOccurrences(of: "  - normalize\n", with: "  - normalize: {ink_percentile: 98}\n")
        try halvesModelData(metadata: [ONNXClassifier.MetadataKey.labels: "left,right",
                                       ONNXClassifier.MetadataKey.pipeline: trainedWith])
            .write(to: directory.appendingPathComponent("halves.onnx"))
        let yaml = TestImages.pipelineYAML + "\n  - classify: {model: halves.onnx, top_k: 2}\n"
        let pipelineFile = directory.appendingPathComponent("p.yaml")
        try yaml.write(to: pipelineFile, atomically: true, encoding: .utf8)
        let loaded = try LoadedPipeline(contentsOf: pipelineFile)
        let pipeline = loaded.pipeline
        let classifier = try XCTUnwrap(loaded.classifier)
        let warning = try XCTUnwrap(loaded.mismatchWarning)
        XCTAssertTrue(warning.contains("normalize (p50–p98)") && warning.contains("normalize (p50–p99.5)"), warning)

        let input = directory.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let rgb = TestImages.paperRGB(width: 120, height: 100, strokes: TestImages.letterL(in: PixelRect(x: 30, y: 20, width: 30, height: 50)))
        try Data(ImageEncoder.encode(bytes: rgb, width: 120, height: 100, bands: 3, as: .png)).write(to: input.appendingPathComponent("l.png"))
        let output = directory.appendingPathComponent("out")
        _ = try BatchRunner(pipeline: pipeline, classifier: classifier, options: BatchOptions(jobs: 2)).run(input: input.path, output: output.path)
        let line = try String(contentsOf: output.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertNotNil(object["prediction"] as? String)
        XCTAssertEqual((object["top"] as? [[String: Any]])?.count, 2)
    }

    /// The model's temperature softens the probabilities; below its threshold the manifest line
    /// has `"prediction":null` and `"reason":"low_confidence"`; the rejection class is withheld
    /// with its own name as the reason; `min_confidence: 0` answers everything.
    func testCalibrationAbstentionAndRejectionInTheManifest() throws {
        let metadata = [ONNXClassifier.MetadataKey.labels: "left,right", ONNXClassifier.MetadataKey.temperature: "2",
                        ONNXClassifier.MetadataKey.threshold: "0.9", ONNXClassifier.MetadataKey.rejection: "right"]
        let model = try halvesModel(inputShape: [-1, 1, 28, 28], metadata: metadata)
        let classifier = try ONNXClassifier(model: model, options: ClassifyOptions(model: "unused"))
        XCTAssertEqual(classifier.temperature, 2)
        XCTAssertEqual(classifier.minConfidence, 0.9)
        let right = TestImages.block(width: 28, height: 28, rect: PixelRect(x: 18, y: 4, width: 6, height: 20))
        let guesses = try classifier.classify([leftInk(), topInk(), right])
        // 120 ink pixels × 0.05 = logit 6 against 0: p = 0.9975 at T = 1, 1 / (1 + e^−3) at T = 2.
        XCTAssertEqual(guesses[0][0].probability, 1 / (1 + exp(-3)), accuracy: 1e-4)

        var records = (0..<3).map { ManifestRecord(input: "\($0).png", status: .ok) }
        for index in 0..<3 { records[index].record(guesses[index], from: classifier) }
        XCTAssertEqual(records[0].prediction, "left")
        XCTAssertNil(records[0].reason)
        XCTAssertNil(records[1].prediction, "ink on both halves: p = 0.5")
        XCTAssertEqual(records[1].reason, "low_confidence")
        XCTAssertTrue(records[1].jsonLine.contains(#""prediction":null,"reason":"low_confidence","top":["#), records[1].jsonLine)
        XCTAssertEqual(records[2].reason, "right")
        let back = try ManifestRecord(jsonLine: records[1].jsonLine)
        XCTAssertEqual(back.reason, "low_confidence", "the reason reads back")
        XCTAssertNil(back.prediction)

        var options = ClassifyOptions(model: "unused")
        options.minConfidence = 0
        let eager = try ONNXClassifier(model: model, options: options)
        XCTAssertEqual(eager.decide(guesses[1]).prediction, "left")

        let parsed = try PipelineConfiguration.parse(yaml: "version: 1\nstages:\n  - decode\n  - grayscale\n  - classify: {model: m.onnx, min_confidence: 0.3}\n")
        XCTAssertEqual(parsed.classify?.minConfidence, 0.3)
        let unset = try PipelineConfiguration.parse(yaml: "version: 1\nstages:\n  - decode\n  - grayscale\n  - classify: {model: m.onnx}\n")
        XCTAssertNil(unset.classify?.minConfidence, "no min_confidence: the model's threshold applies")
        XCTAssertThrowsError(try ONNXClassifier(model: halvesModel(inputShape: [-1, 784], metadata: [
            ONNXClassifier.MetadataKey.labels: "left,right", ONNXClassifier.MetadataKey.rejection: "nothing"]),
                                                options: ClassifyOptions(model: "unused")))
    }

    /// A letters model's rejection class: an image it calls `not_a_letter` gets a manifest line
    /// with `"prediction":null,"reason":"not_a_letter"` and keeps its top guesses; a stored
    /// threshold of 0 answers every letter, however unsure, but still withholds the rejection.
    func testNotALetterAndThresholdZeroInTheManifest() throws {
        var metadata = [ONNXClassifier.MetadataKey.labels: "a,not_a_letter", ONNXClassifier.MetadataKey.rejection: "not_a_letter",
                        ONNXClassifier.MetadataKey.threshold: "0.80"]
        let right = TestImages.block(width: 28, height: 28, rect: PixelRect(x: 18, y: 4, width: 6, height: 20))
        let calibrated = try ONNXClassifier(model: halvesModel(inputShape: [-1, 1, 28, 28], metadata: metadata),
                                            options: ClassifyOptions(model: "unused"))
        var records = (0..<3).map { ManifestRecord(input: "\($0).png", status: .ok) }
        for (index, guesses) in try calibrated.classify([right, topInk(), leftInk()]).enumerated() {
            records[index].record(guesses, from: calibrated)
        }
        XCTAssertTrue(records[0].jsonLine.contains(#""prediction":null,"reason":"not_a_letter","top":[{"label":"not_a_letter""#),
                      records[0].jsonLine)
        XCTAssertEqual(records[1].reason, "low_confidence", "p = 0.5 < 0.80")
        XCTAssertEqual(records[2].prediction, "a")
        let unsureReject = try calibrated.classify([TestImages.block(width: 28, height: 28, rect: PixelRect(x: 5, y: 2, width: 20, height: 6))])[0]
        XCTAssertEqual(unsureReject.first?.label, "not_a_letter")
        XCTAssertLessThan(unsureReject.first?.probability ?? 1, 0.8)
        XCTAssertEqual(calibrated.decide(unsureReject).reason, "not_a_letter", "an unsure rejection is still a rejection")

        metadata[ONNXClassifier.MetadataKey.threshold] = "0"
        let eager = try ONNXClassifier(model: halvesModel(inputShape: [-1, 1, 28, 28], metadata: metadata),
                                       options: ClassifyOptions(model: "unused"))
        XCTAssertEqual(eager.minConfidence, 0)
        let guesses = try eager.classify([topInk(), right])
        XCTAssertEqual(eager.decide(guesses[0]).prediction, "a", "threshold 0: no abstention")
        XCTAssertNil(eager.decide(guesses[0]).reason)
        XCTAssertEqual(eager.decide(guesses[1]).reason, "not_a_letter")
    }

    /// A stored rejection bias lowers the rejection class's logit before the temperature: an
    /// even 0.5 / 0.5 becomes 1 / (1 + e^-1) = 0.731 for "a"; a bias without a rejection class,
    /// or one that is not a number, is refused.
    func testRejectionBiasShiftsTheRejectionClass() throws {
        var metadata = [ONNXClassifier.MetadataKey.labels: "a,not_a_letter", ONNXClassifier.MetadataKey.rejection: "not_a_letter",
                        ONNXClassifier.MetadataKey.rejectionBias: "1.00"]
        let biased = try ONNXClassifier(model: halvesModel(inputShape: [-1, 1, 28, 28], metadata: metadata),
                                        options: ClassifyOptions(model: "unused"))
        XCTAssertEqual(biased.rejectionBias, 1)
        let top = try biased.classify([TestImages.block(width: 28, height: 28, rect: PixelRect(x: 4, y: 2, width: 20, height: 6))])[0]
        XCTAssertEqual(top.first?.label, "a")
        XCTAssertEqual(Double(top.first?.probability ?? 0), 1 / (1 + exp(-1.0)), accuracy: 1e-5)
        metadata[ONNXClassifier.MetadataKey.rejectionBias] = "lots"
        XCTAssertThrowsError(try ONNXClassifier(model: halvesModel(inputShape: [-1, 1, 28, 28], metadata: metadata),
                                                options: ClassifyOptions(model: "unused")))
        XCTAssertThrowsError(try ONNXClassifier(model: halvesModel(inputShape: [-1, 1, 28, 28], metadata: [
            ONNXClassifier.MetadataKey.labels: "left,right", ONNXClassifier.MetadataKey.rejectionBias: "1"]),
                                                options: ClassifyOptions(model: "unused")), "no rejection class to shift")
    }

    func testClassifyMustBeLast() {
        let yaml = "version: 1\nstages:\n  - decode\n  - grayscale\n  - classify: {model: m.onnx}\n  - pad\n"
        XCTAssertThrowsError(try PipelineConfiguration.parse(yaml: yaml)) { error in
            XCTAssertEqual((error as? PipelineError)?.message, "'classify' must be the last stage")
            XCTAssertEqual((error as? PipelineError)?.line, 5)
        }
    }

    func halvesModelData(metadata: [String: String]) throws -> Data {
        var builder = ONNXModelBuilder(opsetVersion: 13)
        builder.metadata = metadata
        builder.addInput("image", shape: [-1, 1, 28, 28])
        builder.addInitializer("W", try Tensor(shape: [784, 2], data: (0..<1568).map { $0 % 2 == 0 ? 0.01 : -0.01 }))
        builder.addNode("Flatten", inputs: ["image"], outputs: ["flat"], attributes: ["axis": .int(1)])
        builder.addNode("Gemm", inputs: ["flat", "W"], outputs: ["scores"])
        builder.addOutput("scores", shape: [-1, 2])
        return try builder.serializedData()
    }

    func testActivationsListEveryLayerForPreviews() throws {
        var options = ClassifyOptions(model: "unused")
        options.labels = ["left", "right"]
        let classifier = try ONNXClassifier(model: halvesModel(inputShape: [-1, 1, 28, 28], softmax: false), options: options)
        let layers = try classifier.activations(for: leftInk())
        XCTAssertEqual(layers.map(\.shape), [[2], [2]], "Gemm scores, then the softmax the classifier applies")
        XCTAssertEqual(layers.last?.name, "softmax")
        XCTAssertGreaterThan(layers[1].values[0], layers[1].values[1])
        XCTAssertEqual(layers[0].values[0], 0.05 * 120, accuracy: 1e-3)
    }

    func testResultsDoNotDependOnBatchCompanions() throws {
        // The shipped model: before batches had a fixed size, the same image scored differently
        // (in the 6th decimal) alone and among 36 others, so manifests depended on --jobs.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let classifier = try ONNXClassifier(options: ClassifyOptions(model: "letters"), baseDirectory: root.appendingPathComponent("pipelines"))
        var images: [Raster] = []
        for index in 0..<40 {
            images.append(TestImages.block(width: 28, height: 28, rect: PixelRect(x: 3 + index % 9, y: 2 + index % 7, width: 4 + index % 11, height: 12 + index % 9)))
        }
        let together = try classifier.probabilities(images)
        for index in [0, 17, 39] {
            XCTAssertEqual(try classifier.probabilities([images[index]])[0], together[index], "image \(index)")
        }
        XCTAssertEqual(try classifier.probabilities(Array(images[5..<12]))[2], together[7])
    }
}
