import ArgumentParser
import GlyphImaging
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

    /// `--renderer photo` picks the second renderer; its JPEGs are its own and reproducible.
    func testPhotoRendererOptionAndItsFiles() throws {
        let options = try GlyphPrepCommand.Synth.parse(["/data", "-o", "/out", "--renderer", "photo", "--max-size", "300"]).options()
        XCTAssertEqual(options.renderer, .photo)
        XCTAssertEqual(try GlyphPrepCommand.Synth.parse(["/data", "-o", "/out"]).options().renderer, .scan)
        XCTAssertThrowsError(try GlyphPrepCommand.Synth.parse(["/data", "-o", "/out", "--clean", "--renderer", "photo"]))
        XCTAssertThrowsError(try GlyphPrepCommand.Synth.parse(["/data", "-o", "/out", "--renderer", "paint"]))
        try VipsRuntime.start(threadsPerImage: 1)
        let sample = StrokeSample(writer: "w01", character: "v", strokes: [[.init(x: 0, y: 0), .init(x: 10, y: 30), .init(x: 20, y: 0)]])
        let item = SynthesisItem(relativePath: "w01_v_000.jpg", sample: sample, format: .jpeg, stream: 1, label: "v")
        var scanOptions = options
        scanOptions.renderer = .scan
        let photo = try ScanSynthesizer.encode(item, options: options)
        XCTAssertEqual(photo, try ScanSynthesizer.encode(item, options: options))
        XCTAssertNotEqual(photo, try ScanSynthesizer.encode(item, options: scanOptions))
        XCTAssertEqual(Array(photo.prefix(2)), [0xFF, 0xD8])
    }

    func testEvalRenderersNeedFoldsOrHoldout() throws {
        let folds = try GlyphPrepCommand.Train.parse(["p.yaml", "--strokes", "uji", "--folds", "--eval-renderers", "scan,photo"])
        XCTAssertEqual(folds.plan().evaluationRenderers, [.scan, .photo])
        let holdout = try GlyphPrepCommand.Train.parse(["p.yaml", "--strokes", "uji", "--holdout", "w01", "-o", "m.onnx",
                                                        "--eval-renderers", "photo"])
        XCTAssertEqual(holdout.plan().evaluationRenderers, [.photo])
        XCTAssertEqual(try GlyphPrepCommand.Train.parse(["p.yaml", "--strokes", "uji", "--folds"]).plan().evaluationRenderers, [.scan])
        XCTAssertThrowsError(try GlyphPrepCommand.Train.parse(["p.yaml", "--strokes", "uji", "--folds", "--eval-renderers", "paint"]))
        XCTAssertThrowsError(try GlyphPrepCommand.Train.parse(["p.yaml", "--strokes", "uji", "-o", "m.onnx", "--eval-renderers", "scan,photo"]))
    }

    func testRejectsBadArguments() {
        XCTAssertThrowsError(try GlyphPrepCommand.Synth.parse(["/data", "-o", "/out", "--min-size", "900", "--max-size", "300"]))
        XCTAssertThrowsError(try GlyphPrepCommand.Synth.parse(["/data", "-o", "/out", "--count", "0"]))
        XCTAssertThrowsError(try GlyphPrepCommand.Synth.parse(["/data", "-o", "/out", "--formats", "bmp"]).options())
    }
}
