import XCTest
@testable import GlyphPipeline
import GlyphTestSupport
@testable import GlyphImaging

/// A big, bold letter is finished on the 1/8 proxy; a fine pen or a small letter keeps the
/// working scale and gives exactly the output it gave before coarse-to-fine.
final class CoarseToFineTests: XCTestCase {
    static let yaml = """
        version: 1
        stages:
          - decode: {shrink: auto, coarse_to_fine: true}
          - grayscale
          - invert: {mode: auto}
          - normalize: {paper_percentile: 50, ink_percentile: 99.9}
          - blur: {sigma: 1}
          - crop_to_bbox: {threshold: 0.35, min_area: 16}
          - resize: {box: 20, kernel: cubic}
          - pad: {size: 28}
        """

    /// An "L" `side` px tall with strokes `stroke` px wide on a 2400 px page (working scale 1/4).
    func page(side: Int, stroke: Int, as format: ImageFileFormat = .jpeg) throws -> [UInt8] {
        let x = 900, y = 800
        let strokes = [PixelRect(x: x, y: y, width: stroke, height: side),
                       PixelRect(x: x, y: y + side - stroke, width: side * 2 / 3, height: stroke)]
        let rgb = TestImages.paperRGB(width: 2400, height: 2400, strokes: strokes)
        return try ImageEncoder.encode(bytes: rgb, width: 2400, height: 2400, bands: 3, as: format, quality: 92)
    }

    func pipelines(_ extra: String = "") throws -> (coarse: Pipeline, plain: Pipeline) {
        var off = try PipelineConfiguration.parse(yaml: Self.yaml)
        off.decode.coarseToFine = false
        return (Pipeline(configuration: try PipelineConfiguration.parse(yaml: Self.yaml)), Pipeline(configuration: off))
    }

    func testBoldLetterFinishesOnTheProxy() throws {
        let (coarse, plain) = try pipelines()
        for format in [ImageFileFormat.jpeg, .png] {
            let file = try page(side: 800, stroke: 48, as: format)
            var decodes: [String] = []
            let (image, context) = try coarse.process(file) { name, label, _ in if name == "decode" { decodes.append(label) } }
            XCTAssertEqual(context.decodeShrink, 8, "\(format)")
            XCTAssertEqual(context.pixelScale, 0.5)
            XCTAssertEqual(decodes.count, 1, "one decode")
            XCTAssertEqual(try plain.process(file).context.decodeShrink, 4)
            XCTAssertEqual(image.width, 28)
            // The box found on the proxy is the letter's, in source pixels, to within the proxy's pixel.
            let box = try XCTUnwrap(context.inkBox)
            XCTAssertEqual(Double(box.x), 900, accuracy: 16)
            XCTAssertEqual(Double(box.height), 800, accuracy: 24)
        }
    }

    func testFinePenOrSmallLetterKeepsTheWorkingScaleAndItsOutput() throws {
        let (coarse, plain) = try pipelines()
        for format in [ImageFileFormat.jpeg, .png] {
            for (side, stroke) in [(800, 6), (200, 40)] {
                let file = try page(side: side, stroke: stroke, as: format)
                let result = try coarse.process(file)
                XCTAssertEqual(result.context.decodeShrink, 4, "\(format) \(side)/\(stroke)")
                XCTAssertEqual(result.context.pixelScale, 1)
                XCTAssertEqual(result.image, try plain.process(file).image, "the same output as without coarse-to-fine")
            }
        }
    }

    func testThresholdsAreParameters() throws {
        let file = try page(side: 800, stroke: 48)
        let strict = Pipeline(configuration: try PipelineConfiguration.parse(
            yaml: Self.yaml.replacingOccurrences(of: "coarse_to_fine: true}", with: "coarse_to_fine: true, min_stroke: 12}")))
        XCTAssertEqual(try strict.process(file).context.decodeShrink, 4, "48 px strokes are 6 px at 1/8")
        let big = Pipeline(configuration: try PipelineConfiguration.parse(
            yaml: Self.yaml.replacingOccurrences(of: "coarse_to_fine: true}", with: "coarse_to_fine: true, letter_side: 120}")))
        XCTAssertEqual(try big.process(file).context.decodeShrink, 4, "800 px is 100 px at 1/8")
    }

    func testMainGroupShareSeesASecondThingInTheCrop() {
        var image = TestImages.block(width: 100, height: 100, rect: PixelRect(x: 0, y: 0, width: 40, height: 100))
        XCTAssertEqual(Pipeline.mainGroupShare(image, above: 128), 0.4, accuracy: 1e-9)
        for x in 90..<100 { image[x, 99] = 255 }  // a speck far off: the box is still the letter's
        XCTAssertEqual(Pipeline.mainGroupShare(image, above: 128), 0.4, accuracy: 1e-9)
        XCTAssertEqual(Pipeline.mainGroupShare(Raster(width: 4, height: 4), above: 128), 0)
    }

    func testStrokeWidthIsTwiceAreaOverPerimeter() {
        let bar = TestImages.block(width: 200, height: 40, rect: PixelRect(x: 20, y: 10, width: 150, height: 6))
        XCTAssertEqual(Pipeline.strokeWidth(bar, above: 128), 2 * 900 / 312, accuracy: 1e-9)
        let line = TestImages.block(width: 200, height: 40, rect: PixelRect(x: 20, y: 10, width: 150, height: 1))
        XCTAssertLessThan(Pipeline.strokeWidth(line, above: 128), 1.01)
        XCTAssertEqual(Pipeline.strokeWidth(Raster(width: 8, height: 8), above: 128), 0)
    }
}
