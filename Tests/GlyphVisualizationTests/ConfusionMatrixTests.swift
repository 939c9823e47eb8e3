import XCTest
@testable import GlyphPipeline
@testable import GlyphTraining
@testable import GlyphVisualization

final class ConfusionMatrixTests: XCTestCase {
    func testCanvasHasAGridColouredByRowShare() throws {
        var right = ManifestRecord(input: "x/A1.jpg", status: .ok)
        right.prediction = "a"
        var wrong = ManifestRecord(input: "x/b.jpg", status: .ok)
        wrong.prediction = "d"
        let evaluation = Evaluation(records: [right, wrong], labels: ["A1.jpg": "A", "x/b.jpg": "b"], classes: ["a", "b", "c", "d"])
        let canvas = try evaluation.confusionCanvas(cell: 24)
        XCTAssertEqual(canvas.height, 64 + 4 * 24 + 40)
        let correctCell = canvas[56 + 12, 64 + 20]
        XCTAssertEqual(correctCell, Viridis.color(1))
        let emptyCell = canvas[56 + 2 * 24 + 12, 64 + 24 + 12]
        XCTAssertEqual(emptyCell, RGB.white)
    }
}
