import Foundation
import XCTest
@testable import GlyphPipeline
@testable import GlyphTraining

final class EMNISTLettersTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("glyphprep-emnist-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testEMNISTLettersLoadAndExport() throws {
        var pixels = [Float](repeating: 0, count: 3 * 28 * 28)
        pixels[5] = 1
        pixels[784 + 28 * 3] = 0.5
        let data = try LabeledImages(shape: SampleShape(channels: 1, height: 28, width: 28),
                                     pixels: pixels, labels: [0, 25, 7])
        let imageURL = directory.appendingPathComponent("emnist-letters-train-images-idx3-ubyte.gz")
        let labelURL = directory.appendingPathComponent("emnist-letters-train-labels-idx1-ubyte.gz")
        try EMNISTLetters.export(data, images: imageURL, labels: labelURL)
        XCTAssertEqual(try IDXLabels.read(contentsOf: labelURL), [1, 26, 8])
        let stored = try IDXImages(contentsOf: imageURL)
        XCTAssertEqual(stored.pixels[5 * 28], 255, "stored transposed like EMNIST")
        let loaded = try EMNISTLetters.load(images: imageURL, labels: labelURL)
        XCTAssertEqual(loaded.labels, [0, 25, 7])
        XCTAssertEqual(loaded.pixels[5], 1)
        XCTAssertEqual(loaded.pixels[784 + 28 * 3], 128 / 255, accuracy: 1e-6)
        XCTAssertEqual(EMNISTLetters.labels.count, 26)
        XCTAssertEqual(EMNISTLetters.labels.first, "a")
        XCTAssertEqual(EMNISTLetters.labels.last, "z")

        try IDXLabels.write([1, 0, 3], to: labelURL)
        XCTAssertThrowsError(try EMNISTLetters.load(images: imageURL, labels: labelURL)) {
            XCTAssertEqual($0 as? IDXError, .labelOutOfRange(index: 1, value: 0))
        }
        try IDXLabels.write([1, 2], to: labelURL)
        XCTAssertThrowsError(try EMNISTLetters.load(images: imageURL, labels: labelURL)) {
            XCTAssertEqual($0 as? IDXError, .countMismatch(images: 3, labels: 2))
        }
    }
}
