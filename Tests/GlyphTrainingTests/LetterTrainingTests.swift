import Foundation
import ONNXRuntime
import XCTest
import GlyphTestSupport
@testable import GlyphTraining
@testable import GlyphModel
@testable import GlyphPipeline

final class LetterTrainingTests: XCTestCase {
    private func tinyModel(seed: UInt64 = 5) throws -> TrainedModel {
        var rng = SeededRandom(seed: seed)
        let shape = SampleShape(channels: 1, height: 28, width: 28)
        var pixels: [Float] = []
        var labels: [Int] = []
        for i in 0..<64 {
            pixels += (0..<shape.count).map { _ in rng.nextFloat(in: 0, 1) }
            labels.append(i % 26)
        }
        let data = try LabeledImages(shape: shape, pixels: pixels, labels: labels)
        let architecture = NetworkArchitecture.letterCNN(conv1: 4, conv2: 6, hidden: 16)
        return try Trainer(architecture: architecture, configuration: TrainingConfiguration(epochs: 1, batchSize: 16, seed: seed))
            .train(on: data, labels: EMNISTLetters.labels)
    }

    /// The same two-stroke "letter" as each of `characters`, for writers w01 and w02.
    private func twoWriterSamples(_ characters: [String]) -> [StrokeSample] {
        let strokes: [[StrokeSample.Point]] = [[.init(x: 0, y: 0), .init(x: 10, y: 30), .init(x: 20, y: 0)],
                                               [.init(x: 4, y: 15), .init(x: 16, y: 15)]]
        return ["w01", "w02"].flatMap { writer in
            characters.map { StrokeSample(writer: writer, character: Character($0), strokes: strokes) }
        }
    }

    private func smallPipeline() throws -> Pipeline {
        try TrainingPipeline(text: TestImages.trainingPipelineYAML).pipeline
    }

    func testONNXExportMatchesPredict() throws {
        let model = try tinyModel()
        let data = try model.onnxData(metadata: [ONNXClassifier.MetadataKey.pipeline: "version: 1\n",
                                                 TrainedModel.ONNXMetadataKey.training: "test"])
        let onnx = try ONNXModel(serializedData: data)
        XCTAssertEqual(onnx.opsetVersion, 13)
        XCTAssertEqual(onnx.inputs.first?.name, "image")
        XCTAssertEqual(onnx.inputs.first?.shape.suffix(3), [1, 28, 28])
        XCTAssertEqual(onnx.nodes.map(\.opType),
                       ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm", "Softmax"])
        XCTAssertEqual(onnx.metadata[ONNXClassifier.MetadataKey.labels], EMNISTLetters.labels.joined(separator: ","))
        XCTAssertEqual(onnx.metadata[ONNXClassifier.MetadataKey.pipeline], "version: 1\n")
        XCTAssertEqual(onnx.metadata[TrainedModel.ONNXMetadataKey.training], "test")

        var rng = SeededRandom(seed: 11)
        let batch = (0..<(3 * 784)).map { _ in rng.nextFloat(in: 0, 1) }
        let expected = try model.predict(batch)
        let outputs = try onnx.run(["image": Tensor(shape: [3, 1, 28, 28], data: batch)])
        let actual = try XCTUnwrap(outputs["probabilities"])
        XCTAssertEqual(actual.shape, [3, 26])
        for (i, row) in expected.enumerated() {
            for (j, p) in row.enumerated() {
                XCTAssertEqual(actual.data[i * 26 + j], p, accuracy: 1e-4)
            }
        }
        let classifier = try ONNXClassifier(model: onnx, options: ClassifyOptions(model: "x"))
        XCTAssertEqual(classifier.labels, EMNISTLetters.labels)
    }

    func testEnsembleONNXAveragesLogits() throws {
        let models = [try tinyModel(seed: 5), try tinyModel(seed: 6), try tinyModel(seed: 7)]
        let data = try TrainedModel.ensembleONNXBuilder(models, metadata: [TrainedModel.ONNXMetadataKey.training: "test"])
            .serializedData()
        let onnx = try ONNXModel(serializedData: data)
        XCTAssertTrue(onnx.graphEndsInSoftmax)
        XCTAssertEqual(onnx.nodes.filter { $0.opType == "Conv" }.count, 6)
        XCTAssertEqual(onnx.metadata[TrainedModel.ONNXMetadataKey.training], "test")

        var rng = SeededRandom(seed: 11)
        let batch = (0..<(4 * 784)).map { _ in rng.nextFloat(in: 0, 1) }
        let members = try models.map { try $0.predict(batch) }
        let outputs = try onnx.run(["image": Tensor(shape: [4, 1, 28, 28], data: batch)])
        let actual = try XCTUnwrap(outputs["probabilities"])
        XCTAssertEqual(actual.shape, [4, 26])
        for i in 0..<4 {
            // Softmax of the mean logits = softmax of the mean log-probabilities.
            let meanLog = (0..<26).map { c in members.map { logf($0[i][c]) }.reduce(0, +) / Float(models.count) }
            let peak = meanLog.max() ?? 0
            let exps = meanLog.map { expf($0 - peak) }
            let total = exps.reduce(0, +)
            for c in 0..<26 {
                XCTAssertEqual(actual.data[i * 26 + c], exps[c] / total, accuracy: 1e-4)
            }
        }
        let classifier = try ONNXClassifier(model: onnx, options: ClassifyOptions(model: "x"))
        XCTAssertEqual(classifier.labels, EMNISTLetters.labels)
        XCTAssertThrowsError(try TrainedModel.ensembleONNXBuilder([]))
    }

    func testScanAblationKeepsOtherEffects() {
        var parameters = ScanRenderParameters()
        ScanAblation.rotation.apply(to: &parameters)
        XCTAssertEqual(parameters.rotationDegrees, 0...0)
        XCTAssertEqual(parameters.slant, ScanRenderParameters().slant)
        var all = ScanRenderParameters()
        ScanAblation.all.apply(to: &all)
        XCTAssertEqual(all.deskProbability, 0)
        XCTAssertEqual(all.slant, 0...0)
    }

    func testRemovingClassifyStage() throws {
        let text = """
            version: 1
            name: t
            stages:
              - decode
              - grayscale
              - classify: {model: letters}
            output:
              format: png
            """
        let stripped = TrainingPipeline.removingClassifyStage(text)
        XCTAssertFalse(stripped.contains("classify"))
        XCTAssertTrue(stripped.contains("output:\n  format: png"))
        let block = "stages:\n  - grayscale\n  - classify:\n      model: letters\n      top_k: 2\noutput:\n  format: png\n"
        XCTAssertEqual(TrainingPipeline.removingClassifyStage(block), "stages:\n  - grayscale\noutput:\n  format: png\n")
        XCTAssertNil(try TrainingPipeline(text: text).pipeline.configuration.classify)
    }

    func testRenderingIsDeterministicAcrossJobs() throws {
        let samples = twoWriterSamples(["A", "b"])
        let pipeline = try smallPipeline()
        let one = try LetterDataRenderer(variants: 2, seed: 3, sizeRange: 200...260, jobs: 1)
            .render(samples, route: .scan, pipelines: [pipeline])
        let two = try LetterDataRenderer(variants: 2, seed: 3, sizeRange: 200...260, jobs: 2)
            .render(samples, route: .scan, pipelines: [pipeline])
        XCTAssertEqual(one, two)
        XCTAssertEqual(one[0].map(\.writer), ["w01", "w02"])
        XCTAssertEqual(one[0][0].labels, [0, 0, 1, 1])
        XCTAssertEqual(one[0][0].pixels.count, 4 * 784)
        XCTAssertLessThan(one[0][0].failures, 4)
    }

    /// Ensemble members trained side by side are the same networks as trained one after another.
    func testEnsembleMembersDoNotDependOnJobs() throws {
        let samples = twoWriterSamples(["A", "b", "c"])
        let pipeline = try smallPipeline()
        let corpus = try LetterCorpus.render(samples, renderer: LetterDataRenderer(variants: 2, seed: 3, sizeRange: 200...260),
                                             pipeline: pipeline)
        let training = LetterModelTraining(
            architecture: .letterCNN(conv1: 4, conv2: 6, hidden: 16),
            configuration: TrainingConfiguration(epochs: 1, batchSize: 4, seed: 9), ensembleSize: 3)
        let sequential = try training.trainEnsemble(corpus: corpus, trainWriters: ["w01", "w02"], jobs: 1)
        let concurrent = try training.trainEnsemble(corpus: corpus, trainWriters: ["w01", "w02"], jobs: 2)
        XCTAssertEqual(sequential.count, 3)
        XCTAssertEqual(sequential, concurrent)
        XCTAssertNotEqual(sequential[0], sequential[1], "members have their own seeds")
    }

    /// `heldOut` picks folds: the same fold, alone, gives the same result as among all folds.
    func testCrossValidationCanRunChosenFolds() throws {
        let samples = twoWriterSamples(["A", "b", "c"])
        let corpus = try LetterCorpus.render(samples, renderer: LetterDataRenderer(variants: 2, seed: 3, sizeRange: 200...260),
                                             pipeline: try smallPipeline(), withClean: true)
        let training = LetterModelTraining(
            architecture: .letterCNN(conv1: 4, conv2: 6, hidden: 16),
            configuration: TrainingConfiguration(epochs: 1, batchSize: 4, seed: 9))
        let all = try training.crossValidate(corpus: corpus, jobs: 2)
        XCTAssertEqual(all.map(\.writer), ["w01", "w02"])
        let second = try training.crossValidate(corpus: corpus, heldOut: ["w02"], jobs: 1)
        XCTAssertEqual(second.map(\.writer), ["w02"])
        XCTAssertEqual(second[0].scan, all[1].scan)
        XCTAssertEqual(second[0].trainImages, all[1].trainImages)
        for result in all {
            let clean = try XCTUnwrap(result.clean)
            XCTAssertEqual(result.gapBySample.count, 3, "one entry per sample")
            XCTAssertEqual(result.gapBySample.reduce(0, +) / 3, clean - result.scan, accuracy: 1e-9)
        }
        XCTAssertThrowsError(try training.crossValidate(corpus: corpus, heldOut: ["w09"], jobs: 1), "an unknown writer is refused")
    }

    /// Each sample's clean rendering is paired with its own scans, and the gap's mean is the
    /// difference of the two routes' accuracies.
    func testGapIsPairedBySample() throws {
        let right = true, wrong = false
        XCTAssertEqual(LetterModelTraining.gapBySample(clean: [right, wrong, right],
                                                       scans: [right, wrong, wrong, wrong, wrong, right, right, right, right]),
                       [1 - 1.0 / 3, -1.0 / 3, 0], "3 scans per sample, in sample order")
        XCTAssertEqual(LetterModelTraining.gapBySample(clean: [right, wrong], scans: [right, right, wrong]), [],
                       "counts that do not pair up give no gap")
        XCTAssertEqual(LetterModelTraining.gapBySample(clean: nil, scans: [right]), [])

        func fold(_ gaps: [Double]) -> FoldResult {
            FoldResult(writer: "w", scan: 0, gapBySample: gaps, trainImages: 0, seconds: 0)
        }
        // Fold means 0.25 and 0.5; variances (n − 1) 0.125 and 0.25, over 2 and 3 samples.
        let gap = try XCTUnwrap(RouteGap([fold([0, 0.5]), fold([0, 0.5, 1])]))
        XCTAssertEqual(gap.points, 37.5, accuracy: 1e-9)
        XCTAssertEqual(gap.halfWidth, 100 * 1.96 * (0.125 / 2 + 0.25 / 3).squareRoot() / 2, accuracy: 1e-9)
        XCTAssertEqual(gap.samples, 5)
        XCTAssertNil(RouteGap([fold([0, 0.5]), fold([])]), "every fold needs clean renderings")
    }

    func testAccuracySpread() throws {
        let spread = try XCTUnwrap(AccuracySpread([0.9, 1.0]))
        XCTAssertEqual(spread.mean, 0.95, accuracy: 1e-12)
        XCTAssertEqual(spread.std, 0.05, accuracy: 1e-12)
        XCTAssertEqual(spread.min, 0.9)
        XCTAssertNil(AccuracySpread([]))
    }
}
