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

    /// The rejection class (2) steals 20 of 100 scans by 1.1 in the logits; 50 negatives are
    /// rejected by 5 and 10 more only by 1.5. The fit lowers the class by the smallest bias that
    /// gives those scans back (1.25) and no more, since 1.5 would answer the 10 close negatives
    /// (17 % > 5 %); with a limit of 0 the bias stays 0.
    func testRejectionBiasGivesStolenScansBackWithinTheNegativesLimit() {
        let scans = (0..<80).map { _ in Calibration.Scored(logits: [4, 0, 0], truth: 0) }
            + (0..<20).map { _ in Calibration.Scored(logits: [1, 0, 2.1], truth: 0) }
        let rejects = (0..<50).map { _ in Calibration.Scored(logits: [0, 0, 5], truth: 2) }
            + (0..<10).map { _ in Calibration.Scored(logits: [0, 0, 1.5], truth: 2) }
        XCTAssertEqual(Calibration.accuracy(scans), 0.8, accuracy: 1e-9)
        let fit = CalibrationFit(scans: scans, rejects: rejects, rejection: 2, target: 0.99, maxRejectsAnswered: 0.05)
        XCTAssertEqual(fit.rejectionBias, 1.25)
        XCTAssertEqual(fit.accuracy, 1, accuracy: 1e-9)
        XCTAssertEqual(fit.rejectsAnswered ?? 1, 0, accuracy: 1e-9)
        XCTAssertEqual(Calibration.shifted(scans, rejection: 2, bias: 1.25)[99].logits[2], 0.85, accuracy: 1e-6)
        let tooFar = CalibrationFit(bias: 1.5, scans: scans, rejects: rejects, rejection: 2, target: 0.99)
        XCTAssertEqual(tooFar.rejectsAnswered ?? 0, 10.0 / 60, accuracy: 1e-9)
        let strict = CalibrationFit(scans: scans + (0..<20).map { _ in Calibration.Scored(logits: [1, 0, 3], truth: 0) },
                                    rejects: rejects, rejection: 2, target: 0.99, maxRejectsAnswered: 0)
        XCTAssertEqual(strict.rejectionBias, 0)
        let none = CalibrationFit(scans: scans, rejects: rejects, rejection: nil, target: 0.99, maxRejectsAnswered: 0.05)
        XCTAssertEqual(none.rejectionBias, 0, "no rejection class, no bias")
        XCTAssertEqual(none.temperature, Calibration.fitTemperature(scans + rejects), accuracy: 1e-12)
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
