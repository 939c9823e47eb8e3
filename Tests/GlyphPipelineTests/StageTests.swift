import Foundation
import XCTest
@testable import GlyphPipeline
import GlyphTestSupport
@testable import GlyphImaging

final class StageTests: XCTestCase {
    func testGrayscaleUsesRec601Weights() throws {
        let rgb = Raster(width: 3, height: 1, channels: 3, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255])
        var context = TestImages.context(for: rgb)
        let gray = try GrayscaleStage().apply(rgb, context: &context)
        XCTAssertEqual(gray.channels, 1)
        XCTAssertEqual(gray.pixels[0], 0.299 * 255, accuracy: 1e-3)
        XCTAssertEqual(gray.pixels[1], 0.587 * 255, accuracy: 1e-3)
        XCTAssertEqual(gray.pixels[2], 0.114 * 255, accuracy: 1e-3)
        let rec709 = try GrayscaleStage().with { $0.weights = .rec709 }.apply(rgb, context: &context)
        XCTAssertEqual(rec709.pixels[1], 0.7152 * 255, accuracy: 1e-3)
    }

    func testInvertAutoFlipsDarkOnLightOnly() throws {
        let darkOnLight = TestImages.block(width: 40, height: 40, rect: PixelRect(x: 15, y: 15, width: 10, height: 10), ink: 20, background: 230)
        var context = TestImages.context(for: darkOnLight)
        let flipped = try InvertStage().apply(darkOnLight, context: &context)
        XCTAssertEqual(context.inverted, true)
        XCTAssertEqual(flipped[0, 0], 25)
        XCTAssertEqual(flipped[20, 20], 235)

        let lightOnDark = TestImages.block(width: 40, height: 40, rect: PixelRect(x: 15, y: 15, width: 10, height: 10), ink: 230, background: 20)
        let kept = try InvertStage().apply(lightOnDark, context: &context)
        XCTAssertEqual(context.inverted, false)
        XCTAssertEqual(kept, lightOnDark)
        XCTAssertEqual(try InvertStage().with { $0.mode = .always }.apply(lightOnDark, context: &context)[0, 0], 235)
    }

    func testNormalizeStretchesFaintInkToFullRange() throws {
        // Faint pencil: paper at 10, ink at 70 (after inversion).
        let faint = TestImages.block(width: 50, height: 50, rect: PixelRect(x: 10, y: 10, width: 10, height: 10), ink: 70, background: 10)
        var context = TestImages.context(for: faint)
        let stretched = try NormalizeStage().apply(faint, context: &context)
        XCTAssertEqual(stretched[0, 0], 0)
        XCTAssertEqual(stretched[15, 15], 255)
        // A blank page has nothing to stretch and becomes black.
        let blank = Raster(width: 30, height: 30, filledWith: 12)
        XCTAssertEqual(try NormalizeStage().apply(blank, context: &context).pixels.max(), 0)
    }

    func testNormalizeFindsALetterSmallerThanTheInkPercentile() throws {
        // A 2×20 px stroke on a 400×300 page: 0.033 % of the pixels, under the top 0.1 %.
        let tiny = TestImages.block(width: 400, height: 300, rect: PixelRect(x: 200, y: 100, width: 2, height: 20),
                                    ink: 60, background: 10)
        var context = TestImages.context(for: tiny)
        let stage = NormalizeStage().with { $0.inkPercentile = 99.9; $0.minContrast = 16 }
        XCTAssertEqual(Histogram(tiny.pixels).percentile(99.9), 10, "the ink percentile alone sees only paper")
        let stretched = try stage.apply(tiny, context: &context)
        XCTAssertEqual(stretched[200, 110], 255)
        XCTAssertEqual(stretched[10, 10], 0)
        // Paper with faint noise (±6 grey levels) stays blank.
        var state: UInt32 = 11
        let noisy = Raster(width: 400, height: 300, pixels: (0..<120_000).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return 10 + Float(state >> 28) * 0.8 - 6
        })
        XCTAssertEqual(try stage.apply(noisy, context: &context).pixels.max(), 0)
    }

    func testNormalizeCanIgnoreBrightEdges() throws {
        // Faint ink (60) in the middle, a bright desk edge (250) along the top.
        var image = TestImages.block(width: 100, height: 100, rect: PixelRect(x: 40, y: 30, width: 3, height: 40), ink: 60, background: 0)
        for y in 0..<4 { for x in 0..<100 { image[x, y] = 250 } }
        var context = TestImages.context(for: image)
        let global = try NormalizeStage().with { $0.inkPercentile = 99 }.apply(image, context: &context)
        XCTAssertLessThan(global[41, 50], 80, "the edge sets the ink level")
        let inner = try NormalizeStage().with { $0.inkPercentile = 99; $0.ignoreBorder = 0.1 }.apply(image, context: &context)
        XCTAssertEqual(inner[41, 50], 255, "the ink sets it once the edge band is ignored")
    }

    func testNormalizeClearBorderLeavesDeskOutOfTheLevels() throws {
        // Faint ink (60) in the middle; a bright desk (250, a quarter of the width) along the
        // left edge with a dimmer rim (140) next to it: both bands reach the image edge.
        var image = TestImages.block(width: 100, height: 100, rect: PixelRect(x: 60, y: 30, width: 3, height: 40), ink: 60, background: 0)
        for y in 0..<100 {
            for x in 0..<25 { image[x, y] = 250 }
            for x in 25..<27 { image[x, y] = 140 }
        }
        var context = TestImages.context(for: image)
        let plain = try NormalizeStage().with { $0.inkPercentile = 99.9 }.apply(image, context: &context)
        XCTAssertLessThan(plain[61, 50], 80, "the desk sets the ink level")
        let cleared = try NormalizeStage().with { $0.inkPercentile = 99.9; $0.clearBorder = true }.apply(image, context: &context)
        XCTAssertEqual(cleared[61, 50], 255, "the ink sets it once the desk and its rim are left out")
        XCTAssertEqual(cleared[10, 50], 255, "the desk stays in the image (crop_to_bbox ignores it)")
        XCTAssertEqual(cleared[0, 0], 255)
        XCTAssertEqual(cleared[40, 50], 0)
        // Without anything at the edge the option changes nothing.
        let inkOnly = TestImages.block(width: 50, height: 50, rect: PixelRect(x: 10, y: 10, width: 10, height: 10), ink: 70, background: 10)
        XCTAssertEqual(try NormalizeStage().with { $0.clearBorder = true }.apply(inkOnly, context: &context),
                       try NormalizeStage().apply(inkOnly, context: &context))
    }

    func testInvertAutoIsNotFooledByADarkDesk() throws {
        // Light paper (200) with a thin dark stroke (120), a strip of dark desk (30) narrower
        // than a background block along the right edge: the paper beside it lies far above the
        // block levels, which the local test alone reads as bright ink.
        var image = Raster(width: 300, height: 200, filledWith: 200)
        for y in 0..<200 { for x in 288..<300 { image[x, y] = 30 } }
        for y in 60..<140 { for x in 100..<103 { image[x, y] = 120 } }
        var context = TestImages.context(for: image)
        _ = try InvertStage().apply(image, context: &context)
        XCTAssertEqual(context.inverted, true)
    }

    func testSigmoidLookupTableMatchesFormula() throws {
        let stage = SigmoidContrastStage().with { $0.gain = 25; $0.midpoint = 0.5 }
        func f(_ x: Double) -> Double { 1 / (1 + exp(-25 * (x / 255 - 0.5))) }
        for level in [0, 1, 64, 127, 128, 200, 254, 255] {
            let expected = (f(Double(level)) - f(0)) / (f(255) - f(0)) * 255
            XCTAssertEqual(Double(stage.table[level]), expected, accuracy: 1e-3, "level \(level)")
        }
        XCTAssertEqual(stage.table[0], 0)
        XCTAssertEqual(stage.table[255], 255, accuracy: 1e-4)
        let image = Raster(width: 2, height: 1, channels: 1, pixels: [100.2, 180.7])
        var context = TestImages.context(for: image)
        let out = try stage.apply(image, context: &context)
        XCTAssertEqual(out.pixels, [stage.table[100], stage.table[181]])
    }

    func testResizeFitsBoxKeepingAspect() throws {
        let image = TestImages.block(width: 100, height: 50, rect: PixelRect(x: 0, y: 0, width: 100, height: 50))
        var context = TestImages.context(for: image)
        let fitted = try ResizeStage().with { $0.mode = .fit(box: 20) }.apply(image, context: &context)
        XCTAssertEqual(fitted.width, 20)
        XCTAssertEqual(fitted.height, 10)
        XCTAssertEqual(fitted[10, 5], 255, accuracy: 1)

        let square = try ResizeStage().with { $0.mode = .squarePad(padding: 2, size: 28) }.apply(image, context: &context)
        XCTAssertEqual(square.width, 28)
        XCTAssertEqual(square.height, 28)
        // 100×50 on a 104×104 square: rows above and below the glyph stay black.
        XCTAssertEqual(square[14, 2], 0, accuracy: 1)
        XCTAssertEqual(square[14, 14], 255, accuracy: 2)
    }

    func testPadCentresAndRejectsOversizedImages() throws {
        let image = TestImages.block(width: 20, height: 10, rect: PixelRect(x: 0, y: 0, width: 20, height: 10))
        var context = TestImages.context(for: image)
        let padded = try PadStage().with { $0.size = 28 }.apply(image, context: &context)
        XCTAssertEqual(padded.width, 28)
        XCTAssertEqual(padded[4, 9], 255)
        XCTAssertEqual(padded[3, 9], 0)
        XCTAssertEqual(padded[4, 8], 0)
        XCTAssertEqual(padded[23, 18], 255)
        XCTAssertThrowsError(try PadStage().with { $0.size = 8 }.apply(image, context: &context))
    }

    func testCenterOfMassMovesCentroidToCentre() throws {
        let image = TestImages.block(width: 28, height: 28, rect: PixelRect(x: 2, y: 3, width: 7, height: 5))
        var context = TestImages.context(for: image)
        for shift in CenterOfMassStage.Shift.allCases {
            let centred = try CenterOfMassStage().with { $0.shift = shift }.apply(image, context: &context)
            let centroid = try XCTUnwrap(CenterOfMassStage.centroid(centred))
            XCTAssertEqual(centroid.x, 13.5, accuracy: shift == .integer ? 0.5 : 0.05, "\(shift)")
            XCTAssertEqual(centroid.y, 13.5, accuracy: shift == .integer ? 0.5 : 0.05, "\(shift)")
            XCTAssertEqual(centred.pixels.reduce(0, +), image.pixels.reduce(0, +), accuracy: 1, "ink is kept")
        }
    }

    func testBlurSpreadsInkSymmetrically() throws {
        let image = TestImages.block(width: 21, height: 21, rect: PixelRect(x: 10, y: 10, width: 1, height: 1))
        var context = TestImages.context(for: image)
        let blurred = try BlurStage().with { $0.sigma = 1 }.apply(image, context: &context)
        XCTAssertLessThan(blurred[10, 10], 255)
        XCTAssertGreaterThan(blurred[11, 10], 0)
        XCTAssertEqual(blurred[9, 10], blurred[11, 10], accuracy: 1e-3)
        XCTAssertEqual(blurred.pixels.reduce(0, +), 255, accuracy: 3)
    }

    /// Paper lit unevenly (bright left, dark right: a strong gradient and a vignette-like
    /// falloff) with a thin dark stroke on it.
    func unevenlyLitScan() -> Raster {
        var image = Raster(width: 200, height: 150)
        for y in 0..<150 {
            for x in 0..<200 { image[x, y] = 230 - Float(x) * 0.6 - abs(Float(y) - 75) * 0.3 }
        }
        for y in 40..<110 { for x in 150..<153 { image[x, y] -= 70 } }
        return image
    }

    func testInvertAutoSeesDarkInkDespiteUnevenLighting() throws {
        var context = TestImages.context(for: unevenlyLitScan())
        _ = try InvertStage().apply(unevenlyLitScan(), context: &context)
        XCTAssertEqual(context.inverted, true)
        // The same scan as chalk on a board (light strokes on a dark, uneven ground) is kept.
        var chalk = unevenlyLitScan()
        for i in chalk.pixels.indices { chalk.pixels[i] = 255 - chalk.pixels[i] }
        _ = try InvertStage().apply(chalk, context: &context)
        XCTAssertEqual(context.inverted, false)
    }

    func testFlattenBackgroundLeavesOnlyTheStroke() throws {
        var context = TestImages.context(for: unevenlyLitScan())
        let inverted = try InvertStage().with { $0.mode = .always }.apply(unevenlyLitScan(), context: &context)
        let flat = try FlattenBackgroundStage().apply(inverted, context: &context)
        // Paper: within a few levels of 0 everywhere, although it spanned ~140 levels.
        let paper = (0..<150).flatMap { y in (0..<200).filter { !(140..<165).contains($0) }.map { flat[$0, y] } }
        XCTAssertLessThan(paper.max() ?? 255, 10)
        XCTAssertEqual(flat[151, 75], 70, accuracy: 6)
        // A fixed threshold now finds exactly the stroke.
        _ = try CropToBBoxStage().with { $0.threshold = .fraction(0.12) }.apply(flat, context: &context)
        XCTAssertEqual(context.inkBox, PixelRect(x: 150, y: 40, width: 3, height: 70))
    }
}

/// `blur` computes in Swift what libvips' gaussblur (float precision) computes.
final class BlurMatchesLibvipsTests: XCTestCase {
    func testSameResultAsLibvipsGaussblur() throws {
        var state: UInt32 = 7
        for channels in [1, 3] {
            let width = 57, height = 43
            let pixels = (0..<(width * height * channels)).map { _ -> Float in
                state = state &* 1_664_525 &+ 1_013_904_223
                return Float(state >> 24)
            }
            let image = Raster(width: width, height: height, channels: channels, pixels: pixels)
            for sigma in [0.3, 1, 1.5, 2.7] {
                var context = TestImages.context(for: image)
                let ours = try BlurStage().with { $0.sigma = sigma }.apply(image, context: &context)
                let theirs = try image.gaussianBlurredByLibvips(sigma: sigma)
                let largest = zip(ours.pixels, theirs.pixels).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThan(largest, 1e-3, "σ \(sigma), \(channels) channel(s)")
            }
        }
        XCTAssertEqual(BlurStage.mask(sigma: 1).count, 3)
        XCTAssertEqual(BlurStage.mask(sigma: 3).count, 11)
    }
}
