import XCTest
@testable import GlyphTraining

final class CalibrationTests: XCTestCase {
    /// 1 000 two-class predictions with logits (4, 0), right 881 times: the probability that
    /// matches is sigmoid(4 / T) = 0.881, i.e. T = 2. The fit finds it and calibration shrinks
    /// the ECE from |0.982 − 0.881| to about 0.
    func testTemperatureFitOnATinySyntheticSet() {
        let scored = (0..<1000).map { Calibration.Scored(logits: [4, 0], truth: $0 < 881 ? 0 : 1) }
        let temperature = Calibration.fitTemperature(scored)
        XCTAssertEqual(temperature, 2, accuracy: 0.01)
        let before = Calibration.expectedCalibrationError(scored, temperature: 1)
        let after = Calibration.expectedCalibrationError(scored, temperature: temperature)
        XCTAssertEqual(before, 0.982 - 0.881, accuracy: 0.001)
        XCTAssertLessThan(after, 0.001)
        XCTAssertLessThan(Calibration.negativeLogLikelihood(scored, temperature: temperature),
                          Calibration.negativeLogLikelihood(scored, temperature: 1))
    }

    /// Overconfident and underconfident sets give T above and below 1; no data gives 1.
    func testTemperatureDirection() {
        let sure = (0..<100).map { Calibration.Scored(logits: [1, 0], truth: $0 < 99 ? 0 : 1) }
        XCTAssertLessThan(Calibration.fitTemperature(sure), 1)
        XCTAssertEqual(Calibration.fitTemperature([]), 1)
    }

    /// The threshold is the smallest that lifts the answered accuracy to the target; answers of
    /// the rejection class are no answers.
    func testThresholdCoverageAndRejection() {
        var scored = (0..<90).map { _ in Calibration.Scored(logits: [5, 0, 0], truth: 0) }
        scored += (0..<10).map { _ in Calibration.Scored(logits: [0.5, 0, 0], truth: 1) }
        let threshold = Calibration.threshold(scored, temperature: 1, target: 0.99)
        XCTAssertEqual(threshold, 0.46, "p of the uncertain ones is e^0.5 / (e^0.5 + 2) = 0.452")
        let kept = Calibration.coverage(scored, temperature: 1, threshold: threshold)
        XCTAssertEqual(kept.coverage, 0.9, accuracy: 1e-9)
        XCTAssertEqual(kept.accuracy, 1, accuracy: 1e-9)
        XCTAssertEqual(Calibration.coverage(scored, temperature: 1, threshold: 0, rejection: 0).coverage, 0,
                       "every top class is 0, the rejection class here")
        let mixed = scored + [Calibration.Scored(logits: [0, 3, 0], truth: 1)]
        XCTAssertEqual(Calibration.coverage(mixed, temperature: 1, threshold: 0, rejection: 0).coverage, 1.0 / 101, accuracy: 1e-9)
        XCTAssertEqual(Calibration.expectedCalibrationError(confidences: [0.9, 0.9], correct: [true, false]), 0.4, accuracy: 1e-9)
    }

    func testDigitClasses() {
        let digits = TrainingClasses.digits
        XCTAssertEqual(digits.labels, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "not_a_digit"])
        XCTAssertEqual(digits.classIndex(of: "7"), 7)
        XCTAssertNil(digits.classIndex(of: "a"))
        XCTAssertEqual(digits.rejectionIndex(of: "a"), 10)
        XCTAssertEqual(digits.rejectionIndex(of: Scribbles.character), 10)
        XCTAssertNil(digits.rejectionIndex(of: "O"), "an O is drawn like a 0")
        XCTAssertNil(digits.rejectionIndex(of: "3"))
        XCTAssertNil(digits.rejectionIndex(of: "l", lookalikes: ["l", "I"]))
        XCTAssertEqual(digits.rejectionIndex(of: "O", lookalikes: ["l"]), 10)
        XCTAssertEqual(TrainingClasses.letters.classIndex(of: "B"), 1)
        XCTAssertNil(TrainingClasses.letters.classIndex(of: "3"))
        XCTAssertNil(TrainingClasses.letters.rejectionIndex(of: "3"))
        let letters = TrainingClasses.lettersOrNot
        XCTAssertEqual(letters.labels.count, 27)
        XCTAssertEqual(letters.labels.last, "not_a_letter")
        XCTAssertEqual(letters.rejectionIndex(of: "7"), 26)
        XCTAssertEqual(letters.rejectionIndex(of: "%"), 26)
        XCTAssertEqual(letters.rejectionIndex(of: Scribbles.character), 26)
        XCTAssertNil(letters.rejectionIndex(of: "0"), "a 0 is drawn like an o")
        XCTAssertEqual(letters.rejectionIndex(of: "1"), 26, "the UJI writers' 1s carry a flag")
        XCTAssertNil(letters.rejectionIndex(of: "1", lookalikes: ["0", "1"]))
        XCTAssertNil(letters.rejectionIndex(of: "Q"))
        XCTAssertEqual(letters.classIndex(of: "Q"), 16)
        XCTAssertEqual(CalibrationSummary.defaultTarget(for: letters), 0.97)
        XCTAssertEqual(digits.fontCharacters.count, 10)
    }

    /// Scribbles are deterministic per index, whatever the count, and not empty.
    func testScribblesAreDeterministic() {
        let few = Scribbles.samples(count: 3, seed: 7), more = Scribbles.samples(count: 8, seed: 7)
        XCTAssertEqual(few, Array(more.prefix(3)))
        XCTAssertTrue(more.allSatisfy { !$0.strokes.isEmpty && $0.bounds != nil })
        XCTAssertNotEqual(Scribbles.samples(count: 3, seed: 8), few)
    }
}
