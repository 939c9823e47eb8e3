import Foundation
import XCTest
@testable import GlyphTraining
@testable import GlyphPipeline
import GlyphTestSupport

final class EvaluationTests: XCTestCase {
    private func record(_ input: String, _ prediction: String?) -> ManifestRecord {
        var record = ManifestRecord(input: input, status: prediction == nil ? .error : .ok)
        record.prediction = prediction
        return record
    }

    func testAccuracyPerClassAndConfusionsFromFolderNames() throws {
        let records = [record("a/1.png", "a"), record("a/2.png", "o"), record("a/3.png", "o"), record("o/1.png", "o"),
                       record("o/2.png", nil), record("loose.png", "a")]
        let evaluation = Evaluation(records: records, labels: nil, classes: EMNISTLetters.labels)
        XCTAssertEqual(evaluation.total, 5)
        XCTAssertEqual(evaluation.unlabelled, 1)
        XCTAssertEqual(evaluation.correct, 2)
        XCTAssertEqual(evaluation.failed, 1)
        XCTAssertEqual(evaluation.accuracy, 0.4, accuracy: 1e-12)
        XCTAssertEqual(evaluation.perClass.map(\.label), ["a", "o"])
        XCTAssertEqual(evaluation.perClass.first?.correct, 1)
        XCTAssertEqual(evaluation.confusions(), [Evaluation.Confusion(truth: "a", prediction: "o", count: 2)])
        XCTAssertEqual(evaluation.classes.count, 26)
        XCTAssertEqual(evaluation.matrix[0][14], 2)
        XCTAssertEqual(evaluation.matrix[14][14], 1)
        XCTAssertTrue(evaluation.reportLines().first?.hasPrefix("accuracy: 40.00 % (2 of 5 labelled files, 1 failed") ?? false)
    }

    func testCSVLabelsMatchCaseInsensitively() throws {
        let evaluation = Evaluation(records: [record("x/A1.jpg", "a"), record("x/b.jpg", "d")],
                                    labels: ["A1.jpg": "A", "x/b.jpg": "b"], classes: ["a", "b", "c", "d"])
        XCTAssertEqual(evaluation.items.map(\.truth), ["a", "b"])
        XCTAssertEqual(evaluation.correct, 1)
    }
}

final class EvaluationLabelCheckTests: XCTestCase {
    func testLabelsAreCheckedAgainstTheModelBeforeAnythingRuns() throws {
        let root = try TestImages.temporaryDirectory()
        for folder in ["A", "b", "7"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            try Data([0]).write(to: root.appendingPathComponent("\(folder)/scan.png"))
        }
        XCTAssertThrowsError(try Evaluation.checkLabels(input: root.path, labels: nil, classes: ["a", "b"], source: "folder names")) { error in
            XCTAssertTrue("\(error)".contains("'7' (1 files)"), "\(error)")
            XCTAssertFalse("\(error)".contains("'A'"), "case aside, A is the class a")
        }
        XCTAssertEqual(try Evaluation.checkLabels(input: root.path, labels: ["7/scan.png": "a", "scan.png": "b"], classes: ["a", "b"], source: "x.csv"), 3)
        XCTAssertThrowsError(try Evaluation.checkLabels(input: root.path, labels: [:], classes: ["a"], source: "x.csv")) { error in
            XCTAssertTrue("\(error)".contains("no image file"), "\(error)")
        }
    }
}

final class EvaluationNegativesTests: XCTestCase {
    /// Digit scans through a letters model: they are not in accuracy, coverage or ECE, and the
    /// share of them answered with a letter is reported.
    func testNegativesAreReportedApart() {
        func record(_ input: String, _ prediction: String?, reason: String? = nil, top: String, _ p: Float) -> ManifestRecord {
            var record = ManifestRecord(input: input, status: .ok)
            record.prediction = prediction
            record.reason = reason
            record.top = [ManifestRecord.Guess(label: top, probability: p)]
            return record
        }
        let records = [record("a/1.png", "a", top: "a", 0.95), record("b/1.png", nil, reason: "low_confidence", top: "h", 0.4),
                       record("7/1.png", "j", top: "j", 0.85), record("7/2.png", nil, reason: "not_a_letter", top: "not_a_letter", 0.9),
                       record("3/1.png", nil, reason: "not_a_letter", top: "not_a_letter", 0.7),
                       record("5/1.png", nil, reason: "low_confidence", top: "s", 0.5)]
        let evaluation = Evaluation(records: records, labels: nil, classes: TrainingClasses.lettersOrNot.labels)
        XCTAssertEqual(evaluation.total, 2)
        XCTAssertEqual(evaluation.accuracy, 0.5)
        XCTAssertEqual(evaluation.coverage, 0.5)
        XCTAssertEqual(evaluation.answeredAccuracy, 1)
        XCTAssertEqual(evaluation.negatives.count, 4)
        XCTAssertEqual(evaluation.negativesAnswered ?? -1, 0.25, accuracy: 1e-12)
        XCTAssertEqual(evaluation.calibrationItems.count, 2)
        let lines = evaluation.reportLines()
        XCTAssertTrue(lines.contains("not the model's classes (4 files: 3 5 7): 25.00 % answered with a class; withheld: low_confidence 1, not_a_letter 2"),
                      "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("calibration: ECE ") && $0.contains("10 bins") }, "\(lines)")
    }
}
