import Foundation
import XCTest
@testable import GlyphPipeline
@testable import GlyphTraining
@testable import GlyphImaging

/// `pipelines/mnist.yaml` end to end with the shipped digits model, on digit scans rendered from
/// the UJI pen strokes (skipped when ../shared/data/uji is absent).
final class DigitsPipelineTests: XCTestCase {
    static let repositoryRoot = CLIEndToEndTests.repositoryRoot

    /// Writes `count` scans of writer w03's digits (and of 10 of its letters) in folders named by
    /// their label, as `glyphprep eval` reads them.
    private func renderScans(into root: URL) throws -> (digits: Int, letters: Int) {
        let uji = Self.repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data/uji")
        guard FileManager.default.fileExists(atPath: uji.path) else { throw XCTSkip("no UJI strokes at \(uji.path)") }
        let samples = try UnipenParser.loadDirectory(uji, writers: ["w03"], lettersOnly: false)
        var renderer = LetterDataRenderer(variants: 1, seed: 77, sizeRange: 300...600, jobs: 1)
        renderer.classes = .digits
        let digits = samples.filter { TrainingClasses.digits.classIndex(of: $0.character) != nil }
        let letters = Array(samples.filter { TrainingClasses.digits.rejectionIndex(of: $0.character) != nil }.prefix(10))
        for (index, sample) in (digits + letters).enumerated() {
            let folder = root.appendingPathComponent(sample.isLetter ? "letters" : String(sample.character))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let bytes = try renderer.fileBytes(of: sample, sampleIndex: index, variant: 0, route: .scan)
            let name = "\(index)." + (bytes.first == 0xFF ? "jpg" : "png")
            try Data(bytes).write(to: folder.appendingPathComponent(name))
        }
        return (digits.count, letters.count)
    }

    /// Every digit scan is classified with one of the model's 11 labels; nearly all are right
    /// (w03 is one of the model's training writers, so this checks the wiring, not accuracy);
    /// letters get `not_a_digit` or a low-confidence null far more often than a digit; the
    /// outputs follow MNIST's recipe: the ink fits a 20×20 box and its centre of mass is within
    /// half a pixel of the 28×28 centre.
    func testMNISTPipelineClassifiesDigitScans() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glyphprep-digits-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let input = root.appendingPathComponent("in"), output = root.appendingPathComponent("out")
        let counts = try renderScans(into: input)
        XCTAssertEqual(counts.digits, 20, "UJI: two samples of each digit per writer")

        let pipeline = Self.repositoryRoot.appendingPathComponent("pipelines/mnist.yaml").path
        let result = try BuiltBinary.run(["run", pipeline, input.path, "-o", output.path, "--no-progress"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let records = try ManifestRecord.read(outputDirectory: output.path)
        XCTAssertEqual(records.count, counts.digits + counts.letters)
        let labels = Set((0...9).map(String.init) + ["not_a_digit"])
        var right = 0, lettersAsDigits = 0
        for record in records {
            let top = try XCTUnwrap(record.top, record.input)
            XCTAssertTrue(top.allSatisfy { labels.contains($0.label) }, "\(top)")
            XCTAssertTrue(record.prediction != nil || record.reason != nil, record.input)
            let folder = ((record.input as NSString).deletingLastPathComponent as NSString).lastPathComponent
            if folder == "letters" {
                lettersAsDigits += record.prediction == nil ? 0 : 1
            } else {
                right += record.prediction == folder ? 1 : 0
            }
            let (image, _) = try DecodeStage().decode([UInt8](try Data(contentsOf: output.appendingPathComponent(try XCTUnwrap(record.output)))))
            try assertMNISTGeometry(image, record.input)
        }
        XCTAssertGreaterThanOrEqual(right, 18, "of 20 digits")
        XCTAssertLessThanOrEqual(lettersAsDigits, 3, "of 10 letters")
    }

    /// MNIST: the ink's bounding box is at most 20×20 with its long side 20 (±1 for the
    /// anti-aliased rim), the intensity centroid within 0.5 px of (13.5, 13.5).
    private func assertMNISTGeometry(_ image: Raster, _ name: String) throws {
        XCTAssertEqual(image.width, 28)
        XCTAssertEqual(image.height, 28)
        var minX = 28, minY = 28, maxX = -1, maxY = -1
        for y in 0..<28 {
            for x in 0..<28 where image[x, y] > 0 {
                minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
            }
        }
        let long = max(maxX - minX + 1, maxY - minY + 1)
        XCTAssertTrue((19...21).contains(long), "\(name): ink box \(maxX - minX + 1)×\(maxY - minY + 1)")
        let centre = try XCTUnwrap(CenterOfMassStage.centroid(image))
        XCTAssertEqual(centre.x, 13.5, accuracy: 0.5, name)
        XCTAssertEqual(centre.y, 13.5, accuracy: 0.5, name)
    }
}
