import Foundation
import ONNXRuntime
import XCTest
import GlyphTestSupport
@testable import GlyphTraining
@testable import GlyphModel

/// Lines a plan logs, from whichever thread.
private final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    var lines: [String] { lock.withLock { stored } }

    func append(_ line: String) { lock.withLock { stored.append(line) } }
}

final class LetterTrainingPlanTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("glyphprep-plan-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let strokes = directory.appendingPathComponent("uji")
        try FileManager.default.createDirectory(at: strokes, withIntermediateDirectories: true)
        let letter = ".PEN_DOWN\n 0 0\n 10 30\n 20 0\n.PEN_UP\n.PEN_DOWN\n 4 15\n 16 15\n.PEN_UP\n"
        let text = ["A", "b", "c"].map { ".SEGMENT CHARACTER 0 ? \"\($0)\"\n" + letter }.joined()
        for writer in ["w01", "w02"] {
            try Data(text.utf8).write(to: strokes.appendingPathComponent("UJIpenchars-\(writer)"))
        }
        try (TestImages.trainingPipelineYAML + "  - classify: {model: letters}").write(to: directory.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func smallPlan() -> LetterTrainingPlan {
        var plan = LetterTrainingPlan(pipelineFile: path("p.yaml"))
        plan.strokes = path("uji")
        plan.variants = 2
        plan.epochs = 1
        plan.seed = 9
        plan.sizeRange = 200...260
        plan.architecture = .letterCNN(conv1: 4, conv2: 6, hidden: 16)
        return plan
    }

    /// One model on w01, scored on w02 and written with its pipeline and training description;
    /// the file does not depend on `jobs`.
    func testPlanTrainsScoresAndWritesTheModel() throws {
        var plan = smallPlan()
        plan.holdout = ["w02"]
        plan.output = path("m.onnx")
        let log = LogLines()
        let outcome = try plan.run { log.append($0) }
        XCTAssertEqual(outcome.models.count, 1)
        XCTAssertTrue(outcome.folds.isEmpty)
        let lines = log.lines
        XCTAssertTrue(lines.contains { $0.hasPrefix("rendered 12 scans of 2 writers in ") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("epoch 1/1: loss ") && $0.contains(", validation ") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("held-out w02 (scans): ") }, "\(lines)")
        XCTAssertTrue(lines.last?.hasPrefix("wrote \(path("m.onnx")) (") ?? false, "\(lines)")

        let model = try ONNXModel(serializedData: Data(contentsOf: URL(fileURLWithPath: path("m.onnx"))))
        XCTAssertEqual(model.metadata[TrainedModel.ONNXMetadataKey.training],
                       "UJI Pen Characters scans, 2 variants/sample, 200-260 px, writers w01; pipeline t; seed 9; epochs 1; held out w02")
        XCTAssertFalse(model.metadata[ONNXClassifier.MetadataKey.pipeline]?.contains("classify") ?? true)

        plan.jobs = 1
        plan.output = path("m1.onnx")
        _ = try plan.run { _ in }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("m1.onnx"))),
                       try Data(contentsOf: URL(fileURLWithPath: path("m.onnx"))))
    }

    func testCrossValidationPlanReportsEveryFold() throws {
        var plan = smallPlan()
        plan.crossValidation = true
        let log = LogLines()
        let outcome = try plan.run { log.append($0) }
        XCTAssertEqual(outcome.folds.map(\.writer), ["w01", "w02"])
        let lines = log.lines
        XCTAssertTrue(lines.contains("leave-one-writer-out over 2 writers, 2 variants, 1 epochs:"), "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("fold w02 epoch 1: loss ") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("gap clean − scan: ") }, "\(lines)")
        XCTAssertTrue(lines.last?.hasPrefix("total ") ?? false, "\(lines)")
    }

    /// With the second renderer, each fold also scores the held-out writer's photos, and the
    /// summary gives the photo route and its gap to the scan route.
    func testCrossValidationScoresTheSecondRenderer() throws {
        var plan = smallPlan()
        plan.crossValidation = true
        plan.foldWriters = ["w02"]
        plan.evaluationRenderers = [.scan, .photo]
        let log = LogLines()
        let outcome = try plan.run { log.append($0) }
        XCTAssertEqual(outcome.folds.map(\.writer), ["w02"])
        let photo = try XCTUnwrap(outcome.folds.first?.photo)
        XCTAssertTrue((0...1).contains(photo))
        let lines = log.lines
        XCTAssertTrue(lines.contains { $0.hasPrefix("fold w02: scan ") && $0.contains(", photo ") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("photo route: ") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("gap scan − photo: ") && $0.contains("w02 ") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains("; 6 photos of 1 writers") }, "\(lines)")
        XCTAssertTrue((1...6).contains(outcome.folds.first?.photoScored.count ?? 0))
        XCTAssertTrue(lines.contains { $0.hasPrefix("ECE (15 bins) of held-out photos: ") }, "\(lines)")
    }

    /// `.digits` trains on the writers' digits with their letters and scribbles as
    /// `not_a_digit`, writes labels, rejection class and calibration into the model, and its
    /// cross-validation reports calibration and negatives answered.
    func testDigitsPlanWritesRejectionAndCalibration() throws {
        let strokes = directory.appendingPathComponent("uji")
        let seven = ".PEN_DOWN\n 0 0\n 20 0\n 8 30\n.PEN_UP\n"
        let one = ".PEN_DOWN\n 10 0\n 10 30\n.PEN_UP\n"
        let letter = ".PEN_DOWN\n 0 0\n 10 30\n 20 0\n.PEN_UP\n"
        let text = [("7", seven), ("1", one), ("A", letter), ("o", letter)]
            .map { ".SEGMENT CHARACTER 0 ? \"\($0.0)\"\n" + $0.1 }.joined()
        for writer in ["w01", "w02"] {
            try Data(text.utf8).write(to: strokes.appendingPathComponent("UJIpenchars-\(writer)"))
        }
        var plan = smallPlan()
        plan.classes = .digits
        plan.architecture = .letterCNN(classes: 11, conv1: 4, conv2: 6, hidden: 16)
        plan.rejectionVariants = 1
        plan.scribbles = 4
        plan.temperature = 1.25
        plan.threshold = 0.4
        plan.output = path("d.onnx")
        let log = LogLines()
        _ = try plan.run { log.append($0) }
        XCTAssertTrue(log.lines.contains("scribbles: 4 of 4 through the pipeline"), "\(log.lines)")
        let model = try ONNXModel(serializedData: Data(contentsOf: URL(fileURLWithPath: path("d.onnx"))))
        XCTAssertEqual(model.metadata[ONNXClassifier.MetadataKey.labels], "0,1,2,3,4,5,6,7,8,9,not_a_digit")
        XCTAssertEqual(model.metadata[ONNXClassifier.MetadataKey.rejection], "not_a_digit")
        XCTAssertEqual(model.metadata[ONNXClassifier.MetadataKey.temperature], "1.2500")
        XCTAssertEqual(model.metadata[ONNXClassifier.MetadataKey.threshold], "0.40")
        XCTAssertTrue(model.metadata[TrainedModel.ONNXMetadataKey.training]?.contains("scribbles (4)") ?? false)

        plan.crossValidation = true
        let folds = LogLines()
        let outcome = try plan.run { folds.append($0) }
        // Per writer: 2 digits × 2 variants scored, 1 letter (the o is left out) as a negative example.
        XCTAssertEqual(outcome.folds.map(\.scored.count), [4, 4])
        XCTAssertEqual(outcome.folds.map(\.rejectsScored.count), [1, 1])
        XCTAssertTrue(folds.lines.contains { $0.hasPrefix("calibration: temperature ") }, "\(folds.lines)")
        XCTAssertTrue(folds.lines.contains { $0.hasPrefix("negative examples answered with a class: ") }, "\(folds.lines)")
        XCTAssertTrue(folds.lines.contains { $0.hasPrefix("train with: --temperature ") }, "\(folds.lines)")
    }

    /// `.lettersOrNot` trains the letters with the writers' digits (but the look-alike 0)
    /// and scribbles labelled `not_a_letter`, writes the 27 labels and the rejection class, and
    /// its cross-validation scores the held-out writer's digits as negative examples.
    func testLettersPlanLearnsNotALetterFromDigits() throws {
        let strokes = directory.appendingPathComponent("uji")
        let seven = ".PEN_DOWN\n 0 0\n 20 0\n 8 30\n.PEN_UP\n"
        let one = ".PEN_DOWN\n 10 0\n 10 30\n.PEN_UP\n"
        let letter = ".PEN_DOWN\n 0 0\n 10 30\n 20 0\n.PEN_UP\n"
        let text = [("7", seven), ("1", one), ("A", letter), ("b", letter), ("0", letter)]
            .map { ".SEGMENT CHARACTER 0 ? \"\($0.0)\"\n" + $0.1 }.joined()
        for writer in ["w01", "w02"] {
            try Data(text.utf8).write(to: strokes.appendingPathComponent("UJIpenchars-\(writer)"))
        }
        var renderer = LetterDataRenderer(variants: 1)
        renderer.classes = .lettersOrNot
        renderer.asRejections = true
        let sample = { (character: Character) in StrokeSample(writer: "w01", character: character, strokes: [], line: 1) }
        XCTAssertEqual(renderer.label(of: sample("7")), 26, "a digit is a negative example: not_a_letter")
        XCTAssertNil(renderer.label(of: sample("0")), "a 0 is drawn like an o")
        XCTAssertNil(renderer.label(of: sample("a")))

        var plan = smallPlan()
        plan.classes = .lettersOrNot
        plan.architecture = .letterCNN(classes: 27, conv1: 4, conv2: 6, hidden: 16)
        plan.rejectionVariants = 2
        plan.scribbles = 3
        plan.temperature = 1.5
        plan.threshold = 0
        plan.output = path("l.onnx")
        _ = try plan.run { _ in }
        let model = try ONNXModel(serializedData: Data(contentsOf: URL(fileURLWithPath: path("l.onnx"))))
        XCTAssertEqual(model.metadata[ONNXClassifier.MetadataKey.labels], EMNISTLetters.labels.joined(separator: ",") + ",not_a_letter")
        XCTAssertEqual(model.metadata[ONNXClassifier.MetadataKey.rejection], "not_a_letter")
        XCTAssertEqual(model.metadata[ONNXClassifier.MetadataKey.threshold], "0.00")
        let training = model.metadata[TrainedModel.ONNXMetadataKey.training] ?? ""
        XCTAssertTrue(training.contains("not_a_letter: the writers' digits but 0, 2 variants/sample"), training)
        XCTAssertTrue(training.contains("scribbles (3)"), training)

        // Calibrating afterwards writes the bytes training with that calibration writes.
        let trained = try Data(contentsOf: URL(fileURLWithPath: path("l.onnx")))
        plan.temperature = 1.2345
        plan.threshold = 0.71
        plan.rejectionBias = 1.5
        plan.output = path("l2.onnx")
        _ = try plan.run { _ in }
        let direct = try Data(contentsOf: URL(fileURLWithPath: path("l2.onnx")))
        XCTAssertNotEqual(trained, direct)
        XCTAssertEqual(try ONNXModel(serializedData: direct).metadata[ONNXClassifier.MetadataKey.rejectionBias], "1.50")
        XCTAssertEqual(try LetterTrainingPlan.recalibrated(trained, temperature: 1.2345, threshold: 0.71, rejectionBias: 1.5), direct)
        XCTAssertNotEqual(try LetterTrainingPlan.recalibrated(trained, temperature: 1.2345, threshold: 0.71), direct)
        plan.rejectionBias = nil

        plan.crossValidation = true
        let folds = LogLines()
        let outcome = try plan.run { folds.append($0) }
        // Per writer: A and b × 2 variants scored; 7 and 1 × 2 as negative examples (the 0 left out).
        XCTAssertEqual(outcome.folds.map(\.scored.count), [4, 4])
        XCTAssertEqual(outcome.folds.map { $0.rejectsScored.map(\.truth) }, [[26, 26, 26, 26], [26, 26, 26, 26]])
        XCTAssertTrue(folds.lines.contains { $0.hasPrefix("abstention threshold ") && $0.contains("≥ 97 % right") }, "\(folds.lines)")
        XCTAssertTrue(folds.lines.contains { $0.hasPrefix("each fold calibrated on the other folds: scans right ") }, "\(folds.lines)")
    }

    func testPlanRefusesAnUnknownHoldoutAndAnUnreadablePipeline() throws {
        var plan = smallPlan()
        plan.holdout = ["w09"]
        XCTAssertThrowsError(try plan.run { _ in }) { error in
            XCTAssertEqual(error as? LetterTrainingPlanError, .unknownHoldout(writer: "w09", writers: ["w01", "w02"]))
        }
        plan = smallPlan()
        plan.pipelineFile = path("missing.yaml")
        XCTAssertThrowsError(try plan.run { _ in }) { error in
            guard case .unreadablePipeline(let reason)? = error as? LetterTrainingPlanError else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue(reason.contains("missing.yaml"), reason)
        }
    }

    /// A second run with the same settings reuses the cache; other settings render again.
    func testCorpusCacheIsReusedOnlyForTheSameSettings() throws {
        var plan = smallPlan()
        plan.crossValidation = true
        plan.cache = path("corpus.bin")
        let first = LogLines(), second = LogLines(), other = LogLines()
        let fresh = try plan.run { first.append($0) }
        let cached = try plan.run { second.append($0) }
        XCTAssertFalse(first.lines.contains("reusing the rendered images in \(path("corpus.bin"))"))
        XCTAssertTrue(second.lines.contains("reusing the rendered images in \(path("corpus.bin"))"))
        XCTAssertEqual(fresh.folds.map(\.scan), cached.folds.map(\.scan))
        XCTAssertEqual(fresh.folds.map(\.clean), cached.folds.map(\.clean))
        plan.variants = 1
        _ = try plan.run { other.append($0) }
        XCTAssertFalse(other.lines.contains { $0.hasPrefix("reusing") })
    }

    func testReportLines() {
        var plan = smallPlan()
        let report = EpochReport(epoch: 2, meanLoss: 0.5, accuracy: 0.75, presentations: 10, seconds: 1.5,
                                 learningRate: 1e-3, validationAccuracy: 0.5)
        XCTAssertEqual(plan.epochLine(report, member: nil), "epoch 2/1: loss 0.5000, train 75.00 %, validation 50.00 % (1.5 s)")
        plan.ensembleSize = 3
        XCTAssertEqual(plan.epochLine(report, member: 1),
                       "model 2/3 epoch 2/1: loss 0.5000, train 75.00 %, validation 50.00 % (1.5 s)")
        XCTAssertEqual(LetterModelTraining.foldEpochLine(writer: "w03", member: 1, report),
                       "fold w03 model 2 epoch 2: loss 0.5000, train 75.00 %, 1.5 s")
        let score = AblationScore(effect: .desk, correct: 3, images: 4, failures: 1, confusions: ["a→o 1"], seconds: 2)
        XCTAssertEqual(score.lines, ["ablate desk: 75.00 % of 4 (1 failed in the pipeline, 2 s)", "  confusions: a→o 1"])
    }
}
