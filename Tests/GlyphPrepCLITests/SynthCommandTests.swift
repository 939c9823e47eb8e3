import ArgumentParser
@testable import GlyphPipeline
import XCTest
@testable import glyphprep
@testable import GlyphTraining

final class SynthCommandTests: XCTestCase {
    func testParsesOptionsIntoSynthesisOptions() throws {
        let command = try GlyphPrepCommand.Synth.parse([
            "/data/uji", "-o", "/tmp/out", "--count", "40", "--seed", "7", "--writers", "w01, W02",
            "--min-size", "400", "--max-size", "1600", "--formats", "jpeg,gray-jpeg,png-alpha", "--batch-size", "36",
        ])
        let options = try command.options()
        XCTAssertEqual(options.count, 40)
        XCTAssertEqual(options.seed, 7)
        XCTAssertEqual(options.writers, ["w01", "w02"])
        XCTAssertEqual(options.sizeRange, 400...1600)
        XCTAssertEqual(options.formats, [.jpeg, .grayJPEG, .pngAlpha])
        XCTAssertEqual(options.batchSize, 36)
        XCTAssertFalse(options.clean)
    }

    func testCleanDefaultsToSmallPNG() throws {
        let options = try GlyphPrepCommand.Synth.parse(["/data", "-o", "/out", "--clean"]).options()
        XCTAssertEqual(options.sizeRange, 28...28)
        XCTAssertEqual(options.formats, [.grayPNG])
        XCTAssertNil(options.cleanPenWidth)
        let thin = try GlyphPrepCommand.Synth.parse(["/data", "-o", "/out", "--clean", "--pen-width", "0.04"]).options()
        XCTAssertEqual(ScanSynthesizer.parameters(for: thin, format: .grayPNG).cleanPenWidthFraction, 0.04)
        XCTAssertEqual(ScanSynthesizer.parameters(for: options, format: .grayPNG).cleanPenWidthFraction, 0.09)
        XCTAssertThrowsError(try GlyphPrepCommand.Synth.parse(["/data", "-o", "/out", "--pen-width", "0.04"]), "needs --clean")
        XCTAssertThrowsError(try GlyphPrepCommand.Synth.parse(["/data", "-o", "/out", "--clean", "--pen-width", "0"]))
    }

    func testRejectsBadArguments() {
        XCTAssertThrowsError(try GlyphPrepCommand.Synth.parse(["/data", "-o", "/out", "--min-size", "900", "--max-size", "300"]))
        XCTAssertThrowsError(try GlyphPrepCommand.Synth.parse(["/data", "-o", "/out", "--count", "0"]))
        XCTAssertThrowsError(try GlyphPrepCommand.Synth.parse(["/data", "-o", "/out", "--formats", "bmp"]).options())
    }
}
