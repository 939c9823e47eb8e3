import Foundation
import XCTest

final class ClassifyCheckTests: XCTestCase {
    private var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    func testCheckListsUnsupportedNodesWithoutImages() throws {
        let unsupported = repository.appendingPathComponent("Tests/ONNXRuntimeTests/Fixtures/hostile/unsupported_operator.onnx").path
        let bad = try BuiltBinary.run(["classify", unsupported, "--check"])
        XCTAssertEqual(bad.status, 1, bad.stderr)
        XCTAssertTrue(bad.stdout.contains("1 unsupported node"), bad.stdout)
        XCTAssertTrue(bad.stdout.contains("unsupported operator LSTM at node 'rnn'"), bad.stdout)

        let good = try BuiltBinary.run(["classify", repository.appendingPathComponent("models/letters.onnx").path, "--check"])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertTrue(good.stdout.contains("every node is supported"), good.stdout)

        let missingImages = try BuiltBinary.run(["classify", unsupported])
        XCTAssertEqual(missingImages.status, 64, missingImages.stderr)
    }
}
