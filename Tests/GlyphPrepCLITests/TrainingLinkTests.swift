@testable import GlyphPipeline
import XCTest
@testable import GlyphTraining

/// The CLI test target links the training engine the commands will drive.
final class TrainingLinkTests: XCTestCase {
    func testLetterArchitectureCoversEMNISTLetters() throws {
        XCTAssertEqual(try NetworkArchitecture.letterCNN().classCount(), EMNISTLetters.labels.count)
    }
}
