import ArgumentParser
import Foundation
import XCTest
@testable import glyphprep
@testable import GlyphPipeline
@testable import GlyphTraining
@testable import GlyphModel
@testable import GlyphImaging

/// `glyphprep train` parsing and `glyphprep eval` end to end with a tiny model trained in-process.
final class TrainEvalCLITests: XCTestCase {
    static let repositoryRoot = CLIEndToEndTests.repositoryRoot

    private func glyphprep(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try BuiltBinary.run(arguments)
    }

    func testParsesTrainAndEval() throws {
        let train = try XCTUnwrap(try GlyphPrepCommand.parseAsRoot(
            ["train", "p.yaml", "--strokes", "uji", "--holdout", "w08", "--variants", "4", "--epochs", "2", "-o", "m.onnx"])
            as? GlyphPrepCommand.Train)
        XCTAssertEqual(train.variants, 4)
        XCTAssertEqual(train.holdout, "w08")
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(["train", "p.yaml", "--strokes", "uji"]), "no -o")
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(["train", "p.yaml", "--emnist-images", "x", "-o", "m.onnx"]))
        XCTAssertNoThrow(try GlyphPrepCommand.parseAsRoot(["train", "p.yaml", "--strokes", "uji", "--folds"]))
        XCTAssertNoThrow(try GlyphPrepCommand.parseAsRoot(["train", "p.yaml", "--strokes", "uji", "--folds", "--ensemble", "3"]))
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(["train", "p.yaml", "--strokes", "uji", "--folds", "--ensemble", "0"]))
        XCTAssertNoThrow(try GlyphPrepCommand.parseAsRoot(["train", "p.yaml", "--strokes", "uji", "--folds", "--fold-writers", "w01,w08"]))
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(["train", "p.yaml", "--strokes", "uji", "--fold-writers", "w01", "-o", "m.onnx"]),
                             "--fold-writers needs --folds")
        XCTAssertNoThrow(try GlyphPrepCommand.parseAsRoot(["train", "p.yaml", "--strokes", "uji", "--label-smoothing", "0.1", "-o", "m.onnx"]))
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(["train", "p.yaml", "--strokes", "uji", "--label-smoothing", "1", "-o", "m.onnx"]))
        XCTAssertNoThrow(try GlyphPrepCommand.parseAsRoot(
            ["train", "p.yaml", "--strokes", "uji", "--holdout", "w08", "--ablate", "baseline,desk", "-o", "m.onnx"]))
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(["train", "p.yaml", "--strokes", "uji", "--folds", "--ablate", "desk"]),
                             "--ablate needs --holdout")
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(
            ["train", "p.yaml", "--strokes", "uji", "--holdout", "w08", "--ablate", "sunshine", "-o", "m.onnx"]))
        let eval = try XCTUnwrap(try GlyphPrepCommand.parseAsRoot(["eval", "p.yaml", "in", "--labels", "l.csv", "-o", "r"])
            as? GlyphPrepCommand.Eval)
        XCTAssertEqual(eval.labels, "l.csv")
    }

    /// `--classes digits` trains 11 outputs (0–9, not_a_digit) with negative examples and stores
    /// the calibration; letters ignore the digits-only options.
    func testClassesOption() throws {
        let digits = try XCTUnwrap(try GlyphPrepCommand.parseAsRoot(
            ["train", "p.yaml", "--strokes", "uji", "--classes", "digits", "--reject-variants", "2", "--scribbles", "50",
             "--temperature", "1.3", "--threshold", "0.6", "--lookalikes", "oOlI", "-o", "d.onnx"]) as? GlyphPrepCommand.Train)
        let plan = digits.plan()
        XCTAssertEqual(plan.lookalikes, Set("oOlI"))
        XCTAssertEqual(plan.classes, .digits)
        XCTAssertEqual(try plan.architecture.classCount(), 11)
        XCTAssertEqual(plan.rejectionVariants, 2)
        XCTAssertEqual(plan.scribbles, 50)
        XCTAssertEqual(plan.temperature, 1.3)
        XCTAssertEqual(plan.threshold, 0.6)
        let letters = try XCTUnwrap(try GlyphPrepCommand.parseAsRoot(
            ["train", "p.yaml", "--strokes", "uji", "-o", "l.onnx"]) as? GlyphPrepCommand.Train).plan()
        XCTAssertEqual(letters.classes, .letters, "no negative examples: the 26 letters alone")
        XCTAssertEqual(try letters.architecture.classCount(), 26)
        XCTAssertEqual(letters.scribbles, 0)
        XCTAssertEqual(letters.rejectionVariants, 0)
        let rejecting = try XCTUnwrap(try GlyphPrepCommand.parseAsRoot(
            ["train", "p.yaml", "--strokes", "uji", "--reject-variants", "8", "--scribbles", "50", "--symbol-variants", "2",
             "--target-accuracy", "0.97", "-o", "l.onnx"]) as? GlyphPrepCommand.Train).plan()
        XCTAssertEqual(rejecting.classes, .lettersOrNot)
        XCTAssertEqual(try rejecting.architecture.classCount(), 27)
        XCTAssertEqual(rejecting.rejectionVariants, 8)
        XCTAssertEqual(rejecting.scribbles, 50)
        XCTAssertEqual(rejecting.symbolVariants, 2)
        XCTAssertNil(rejecting.lookalikes, "the letters' default look-alikes, 0 and 1")
        XCTAssertEqual(rejecting.calibrationTarget, 0.97)
        let oneNetwork = try XCTUnwrap(try GlyphPrepCommand.parseAsRoot(
            ["train", "p.yaml", "--strokes", "uji", "--ensemble", "3", "--reject-variants", "8", "--ensemble", "1", "--folds",
             "--reliability", "r.png"]) as? GlyphPrepCommand.Train)
        XCTAssertEqual(oneNetwork.plan().ensembleSize, 1, "make crossval-letters-reject: the later --ensemble wins")
        XCTAssertEqual(oneNetwork.reliability, "r.png")
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(["train", "p.yaml", "--strokes", "uji", "--reliability", "r.png", "-o", "m.onnx"]))
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(["train", "p.yaml", "--strokes", "uji", "--classes", "runes", "-o", "m.onnx"]))
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(["train", "p.yaml", "--strokes", "uji", "--threshold", "2", "-o", "m.onnx"]))
    }

    /// The options map one to one onto the library's plan.
    func testTrainOptionsBecomeAPlan() throws {
        let train = try XCTUnwrap(try GlyphPrepCommand.parseAsRoot(
            ["train", "p.yaml", "--strokes", "uji", "--writers", "W01, w02,", "--holdout", "w02", "--variants", "3",
             "--epochs", "2", "--augment", "none", "--seed", "7", "--min-size", "100", "--max-size", "200",
             "--emnist-images", "e.gz", "--emnist-labels", "l.gz", "--folder", "f1", "--folder", "f2",
             "--stroke-font", "h.jhf", "--font", "o.ttf", "--conv1", "4", "--conv2", "6", "--hidden", "16",
             "--label-smoothing", "0.1", "--ensemble", "2", "--ablate", "desk,baseline", "--ablate-variants", "3",
             "--cache", "c.bin", "--jobs", "1", "-o", "m.onnx"]) as? GlyphPrepCommand.Train)
        let plan = train.plan()
        XCTAssertEqual(plan.pipelineFile, "p.yaml")
        XCTAssertEqual(plan.strokes, "uji")
        XCTAssertEqual(plan.writers, ["w01", "w02"])
        XCTAssertEqual(plan.holdout, ["w02"])
        XCTAssertEqual(plan.variants, 3)
        XCTAssertEqual(plan.epochs, 2)
        XCTAssertNil(plan.augmentation)
        XCTAssertEqual(plan.seed, 7)
        XCTAssertEqual(plan.sizeRange, 100...200)
        XCTAssertEqual(plan.emnist?.images, "e.gz")
        XCTAssertEqual(plan.emnist?.labels, "l.gz")
        XCTAssertEqual(plan.folders, ["f1", "f2"])
        XCTAssertEqual(plan.strokeFonts, ["h.jhf"])
        XCTAssertEqual(plan.outlineFonts, ["o.ttf"])
        XCTAssertFalse(plan.crossValidation)
        XCTAssertEqual(plan.architecture, .letterCNN(conv1: 4, conv2: 6, hidden: 16))
        XCTAssertEqual(plan.labelSmoothing, 0.1)
        XCTAssertEqual(plan.ensembleSize, 2)
        XCTAssertEqual(plan.ablations, [.desk, .baseline])
        XCTAssertEqual(plan.ablationVariants, 3)
        XCTAssertEqual(plan.cache, "c.bin")
        XCTAssertEqual(plan.jobs, 1)
        XCTAssertEqual(plan.output, "m.onnx")

        let folds = try XCTUnwrap(try GlyphPrepCommand.parseAsRoot(
            ["train", "p.yaml", "--strokes", "uji", "--folds", "--fold-writers", "w01,W03", "--compare", "n.yaml"])
            as? GlyphPrepCommand.Train).plan()
        XCTAssertTrue(folds.crossValidation)
        XCTAssertEqual(folds.foldWriters, ["w01", "w03"])
        XCTAssertEqual(folds.comparisonFile, "n.yaml")
        XCTAssertEqual(folds.augmentation, LetterModelTraining.defaultAugmentation)
        XCTAssertNil(folds.output)
    }

    /// An unreadable pipeline and an unknown held-out writer are usage errors.
    func testTrainReportsPlanProblemsAsUsageErrors() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glyphprep-train-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let strokes = root.appendingPathComponent("uji")
        try FileManager.default.createDirectory(at: strokes, withIntermediateDirectories: true)
        try Data(".SEGMENT CHARACTER 0 ? \"a\"\n.PEN_DOWN\n 0 0\n 10 30\n 20 0\n.PEN_UP\n".utf8)
            .write(to: strokes.appendingPathComponent("UJIpenchars-w01"))
        let pipeline = Self.repositoryRoot.appendingPathComponent("pipelines/emnist.yaml").path
        let model = root.appendingPathComponent("m.onnx").path

        let missing = try glyphprep(["train", root.appendingPathComponent("none.yaml").path, "--strokes", strokes.path, "-o", model])
        XCTAssertEqual(missing.status, 64, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("none.yaml"), missing.stderr)

        let unknown = try glyphprep(["train", pipeline, "--strokes", strokes.path, "--holdout", "w09", "--variants", "1",
                                     "--epochs", "1", "--jobs", "1", "-o", model])
        XCTAssertEqual(unknown.status, 64, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("--holdout w09 is not among the writers w01"), unknown.stderr)
        XCTAssertTrue(unknown.stdout.hasPrefix("rendered 1 scans of 1 writers in "), unknown.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: model))
    }

    /// A dark "i" (one bar) or "o" (a hollow box) on paper, at a varying place and size.
    private func scan(_ letter: Character, variant: Int) throws -> [UInt8] {
        let width = 160, height = 140
        var rgb = TestScan.paper(width: width, height: height)
        let x = 30 + (variant * 7) % 40, y = 20 + (variant * 5) % 30, size = 60 + (variant * 3) % 20
        if letter == "i" {
            TestScan.fill(&rgb, width: width, x: x + size / 2, y: y, w: 9, h: size)
        } else {
            TestScan.fill(&rgb, width: width, x: x, y: y, w: size, h: 9)
            TestScan.fill(&rgb, width: width, x: x, y: y + size - 9, w: size, h: 9)
            TestScan.fill(&rgb, width: width, x: x, y: y, w: 9, h: size)
            TestScan.fill(&rgb, width: width, x: x + size - 9, y: y, w: 9, h: size)
        }
        return try ImageEncoder.encode(bytes: rgb, width: width, height: height, bands: 3, as: .png)
    }

    func testEvalReportsAccuracyAndConfusionMatrix() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glyphprep-eval-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let trainDir = root.appendingPathComponent("train"), evalDir = root.appendingPathComponent("scans")
        for letter: Character in ["i", "o"] {
            for variant in 0..<12 {
                let folder = trainDir.appendingPathComponent(String(letter))
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try Data(try scan(letter, variant: variant)).write(to: folder.appendingPathComponent("\(variant).png"))
            }
        }
        try FileManager.default.createDirectory(at: evalDir, withIntermediateDirectories: true)
        var csv = "file,label\n"
        for (index, letter) in Array("iioioo").enumerated() {
            try Data(try scan(letter, variant: 20 + index)).write(to: evalDir.appendingPathComponent("s\(index).png"))
            csv += "s\(index).png,\(letter)\n"
        }
        try csv.write(to: evalDir.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)

        let yaml = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("pipelines/emnist.yaml"), encoding: .utf8)
        let training = try TrainingPipeline(text: yaml)
        let data = try LabeledFolder.letterImages(root: trainDir, pipeline: training.pipeline)
        XCTAssertEqual(data.failed, 0)
        XCTAssertEqual(data.images.count, 24)
        let model = try Trainer(
            architecture: .letterCNN(conv1: 4, conv2: 4, hidden: 16),
            configuration: TrainingConfiguration(epochs: 6, batchSize: 8, learningRate: 3e-3, seed: 2))
            .train(on: data.images, labels: EMNISTLetters.labels)
        let modelPath = root.appendingPathComponent("tiny.onnx").path
        try model.writeONNX(to: modelPath, metadata: [ONNXClassifier.MetadataKey.pipeline: training.text])
        let pipelinePath = root.appendingPathComponent("tiny.yaml").path
        let withClassify = training.text.replacingOccurrences(of: "output:", with: "  - classify: {model: tiny.onnx}\noutput:")
        try withClassify.write(toFile: pipelinePath, atomically: true, encoding: .utf8)

        let report = root.appendingPathComponent("report").path
        let result = try glyphprep(["eval", pipelinePath, evalDir.path, "-o", report, "--jobs", "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(result.stderr.contains("warning"), result.stderr)
        XCTAssertTrue(result.stdout.contains("accuracy: 100.00 % (6 of 6 labelled files)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("  i  100.00 %  (3/3)"), result.stdout)
        let png = try Data(contentsOf: URL(fileURLWithPath: report + "/confusion.png"))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual(width, 56 + 26 * 24 + 16)
        XCTAssertTrue(FileManager.default.fileExists(atPath: report + "/evaluation.txt"))

        let missing = try glyphprep(["eval", root.appendingPathComponent("nothing.yaml").path, evalDir.path])
        XCTAssertEqual(missing.status, 64)
    }
}
