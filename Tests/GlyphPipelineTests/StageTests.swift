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

    func testCropFindsInkBoxAndIgnoresSpecks() throws {
        var image = TestImages.block(width: 100, height: 80, rect: PixelRect(x: 30, y: 20, width: 25, height: 40))
        image[5, 5] = 255  // a one-pixel speck
        image[90, 70] = 255
        image[91, 70] = 255
        var context = TestImages.context(for: image)
        context.scaleX = 2
        context.scaleY = 2
        context.sourceWidth = 200
        context.sourceHeight = 160
        let cropped = try CropToBBoxStage().with { $0.minArea = 4 }.apply(image, context: &context)
        XCTAssertEqual(cropped.width, 25)
        XCTAssertEqual(cropped.height, 40)
        XCTAssertEqual(context.inkBox, PixelRect(x: 60, y: 40, width: 50, height: 80))
        XCTAssertEqual(context.originX, 60)

        var withMargin = TestImages.context(for: image)
        let padded = try CropToBBoxStage().with { $0.minArea = 4; $0.margin = 3 }.apply(image, context: &withMargin)
        XCTAssertEqual(padded.width, 31)
        XCTAssertEqual(withMargin.inkBox, PixelRect(x: 30, y: 20, width: 25, height: 40))

        // Counting the specks (min_area 1) widens the box to them.
        var all = TestImages.context(for: image)
        _ = try CropToBBoxStage().with { $0.minArea = 1 }.apply(image, context: &all)
        XCTAssertEqual(all.inkBox, PixelRect(x: 5, y: 5, width: 87, height: 66))
    }

    /// A 40×40 ring of 5 px strokes (an "o") with its top-left corner at (x, y).
    private func drawRing(_ image: inout Raster, x: Int, y: Int) {
        for dy in 0..<40 {
            for dx in 0..<40 where dx < 5 || dx >= 35 || dy < 5 || dy >= 35 { image[x + dx, y + dy] = 255 }
        }
    }

    func testCropIgnoresSheetEdgeLines() throws {
        // A letter and two sheet edges: thin slanted lines near the right and top edges that
        // do not touch the image edge, so ignore_border keeps them.
        var image = Raster(width: 200, height: 160, filledWith: 0)
        drawRing(&image, x: 50, y: 50)
        for y in 10..<150 {
            let x = 185 + (y - 10) * 5 / 140
            image[x, y] = 255
            image[x + 1, y] = 255
        }
        for x in 20..<170 {
            let y = 6 + x / 60
            image[x, y] = 255
            image[x, y + 1] = 255
        }
        var context = TestImages.context(for: image)
        _ = try CropToBBoxStage().with { $0.minArea = 16; $0.ignoreBorder = true; $0.ignoreEdgeLines = true }.apply(image, context: &context)
        XCTAssertEqual(context.inkBox, PixelRect(x: 50, y: 50, width: 40, height: 40))
        var without = TestImages.context(for: image)
        _ = try CropToBBoxStage().with { $0.minArea = 16; $0.ignoreBorder = true }.apply(image, context: &without)
        XCTAssertEqual(without.inkBox, PixelRect(x: 20, y: 6, width: 171, height: 144))
    }

    func testCropEdgeLinesKeepDotsBarsAndTallStrokes() throws {
        let stage = CropToBBoxStage().with { $0.minArea = 16; $0.ignoreBorder = true; $0.ignoreEdgeLines = true }
        // An i near the left edge: a thin straight stem whose main ink is its dot.
        var i = TestImages.block(width: 200, height: 160, rect: PixelRect(x: 15, y: 60, width: 4, height: 80))
        for y in 45..<53 { for x in 14..<22 { i[x, y] = 255 } }
        var context = TestImages.context(for: i)
        _ = try stage.apply(i, context: &context)
        XCTAssertEqual(context.inkBox, PixelRect(x: 14, y: 45, width: 8, height: 95))

        // A tall l near the right edge with a speck (larger than min_area) beside it.
        var l = TestImages.block(width: 200, height: 160, rect: PixelRect(x: 180, y: 20, width: 4, height: 120))
        for y in 80..<85 { for x in 100..<105 { l[x, y] = 255 } }
        context = TestImages.context(for: l)
        _ = try stage.apply(l, context: &context)
        XCTAssertEqual(context.inkBox, PixelRect(x: 100, y: 20, width: 84, height: 120))

        // A T whose separate bar runs along the top edge, just above the stem.
        var t = TestImages.block(width: 200, height: 160, rect: PixelRect(x: 60, y: 12, width: 61, height: 3))
        for y in 17..<77 { for x in 85..<95 { t[x, y] = 255 } }
        context = TestImages.context(for: t)
        _ = try stage.apply(t, context: &context)
        XCTAssertEqual(context.inkBox, PixelRect(x: 60, y: 12, width: 61, height: 65))

        // A letter alone: a long thin line is all the ink there is, so it stays.
        let lone = TestImages.block(width: 200, height: 160, rect: PixelRect(x: 190, y: 10, width: 2, height: 140))
        context = TestImages.context(for: lone)
        _ = try stage.apply(lone, context: &context)
        XCTAssertEqual(context.inkBox, PixelRect(x: 190, y: 10, width: 2, height: 140))
    }

    func testCropOtsuAndBlankPage() throws {
        let image = TestImages.block(width: 60, height: 60, rect: PixelRect(x: 10, y: 12, width: 8, height: 30), ink: 120, background: 30)
        var context = TestImages.context(for: image)
        _ = try CropToBBoxStage().with { $0.threshold = .otsu }.apply(image, context: &context)
        XCTAssertEqual(context.inkBox, PixelRect(x: 10, y: 12, width: 8, height: 30))

        let blank = Raster(width: 20, height: 20, filledWith: 0)
        XCTAssertThrowsError(try CropToBBoxStage().apply(blank, context: &context)) { error in
            XCTAssertEqual((error as? StageFailure)?.code, .noInk)
        }
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

    func testCropCanIgnoreGroupsTouchingTheEdge() throws {
        var image = TestImages.block(width: 80, height: 60, rect: PixelRect(x: 0, y: 0, width: 80, height: 5))
        for y in 20..<40 { for x in 30..<34 { image[x, y] = 255 } }
        var context = TestImages.context(for: image)
        _ = try CropToBBoxStage().with { $0.ignoreBorder = true }.apply(image, context: &context)
        XCTAssertEqual(context.inkBox, PixelRect(x: 30, y: 20, width: 4, height: 20))
        var fresh = TestImages.context(for: image)
        _ = try CropToBBoxStage().apply(image, context: &fresh)
        XCTAssertEqual(fresh.inkBox, PixelRect(x: 0, y: 0, width: 80, height: 40))

        // A letter written up to the top edge, with nothing else: kept.
        var cutOff = Raster(width: 80, height: 60)
        for y in 0..<30 { for x in 40..<44 { cutOff[x, y] = 255 } }
        var edgeContext = TestImages.context(for: cutOff)
        _ = try CropToBBoxStage().with { $0.ignoreBorder = true }.apply(cutOff, context: &edgeContext)
        XCTAssertEqual(edgeContext.inkBox, PixelRect(x: 40, y: 0, width: 4, height: 30))
        // Only a desk along the edge (a quarter of the image): still no ink.
        let deskOnly = TestImages.block(width: 80, height: 60, rect: PixelRect(x: 0, y: 0, width: 20, height: 60))
        var deskContext = TestImages.context(for: deskOnly)
        XCTAssertThrowsError(try CropToBBoxStage().with { $0.ignoreBorder = true }.apply(deskOnly, context: &deskContext))
    }

    func testDistanceTransformIsEuclidean() {
        // One source pixel at (2, 3) in a 7×6 grid.
        let distances = DistanceTransform.distances(width: 7, height: 6) { $0 == 3 * 7 + 2 }
        XCTAssertEqual(distances[3 * 7 + 2], 0)
        XCTAssertEqual(distances[3 * 7 + 5], 3, accuracy: 1e-5)
        XCTAssertEqual(distances[0], (4 + 9 as Float).squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(distances[5 * 7 + 6], (16 + 4 as Float).squareRoot(), accuracy: 1e-5)
    }

    /// An "L" 100 px tall and 80 px wide drawn with a `pen` px pen.
    private func letterL(pen: Int) -> Raster {
        var image = Raster(width: 80, height: 100)
        for y in 0..<100 { for x in 0..<pen { image[x, y] = 255 } }
        for y in (100 - pen)..<100 { for x in 0..<80 { image[x, y] = 255 } }
        return image
    }

    func testStrokeWidthMakesThinAndThickPensAlike() throws {
        XCTAssertEqual(StrokeWidthStage.measureWidth(letterL(pen: 12)), 12, accuracy: 2.5)
        XCTAssertEqual(StrokeWidthStage.measureWidth(letterL(pen: 2)), 2, accuracy: 1.5)
        let stage = StrokeWidthStage().with { $0.target = 0.08 }
        var context = TestImages.context(for: letterL(pen: 2))
        let thin = try stage.apply(letterL(pen: 2), context: &context)
        let thick = try stage.apply(letterL(pen: 12), context: &context)
        let thinWidth = StrokeWidthStage.measureWidth(thin), thickWidth = StrokeWidthStage.measureWidth(thick)
        XCTAssertEqual(thinWidth, 8, accuracy: 2.5, "2 px pen thickened towards 8 % of 100 px")
        XCTAssertEqual(thickWidth, 8, accuracy: 2.5, "12 px pen thinned towards 8 % of 100 px")
        XCTAssertEqual(thinWidth, thickWidth, accuracy: 1.5)
        XCTAssertEqual(thin.width, 80 + 2 * 4, "the canvas grows by the new radius")
    }

    func testStrokeWidthThickenWidensOnlyThinStrokes() throws {
        let stage = StrokeWidthStage().with { $0.target = 0.08; $0.mode = .thicken }
        var context = TestImages.context(for: letterL(pen: 2))
        let thin = try stage.apply(letterL(pen: 2), context: &context)
        XCTAssertEqual(StrokeWidthStage.measureWidth(thin), 8, accuracy: 2, "2 px pen widened towards 8 % of 100 px")
        XCTAssertEqual(thin.width, 80 + 2 * 3, "the canvas grows by the widening (3 px a side)")
        XCTAssertEqual(context.originX, -3 * context.scaleX, accuracy: 1e-9, "positions still map to the source")
        // The stroke grows around where it was drawn: its old pixels stay ink, and the far end
        // of the foot is still where it was.
        XCTAssertEqual(thin[3 + 1, 3 + 50], 255)
        XCTAssertEqual(thin[3 + 79, 3 + 99], 255)
        XCTAssertEqual(thin[3 + 40, 3 + 50], 0, "the inside of the L stays paper")
        var thickContext = TestImages.context(for: letterL(pen: 12))
        let thick = try stage.apply(letterL(pen: 12), context: &thickContext)
        XCTAssertEqual(thick, letterL(pen: 12), "a stroke already wider than the target is left as drawn")
        XCTAssertEqual(thickContext.originX, 0)
    }

    /// A 300×240 page of grid paper (2 px lines every 30 px, tilted 3°, grey 160) under a
    /// 4 px pen "L" of 255, and the letter's own pixels.
    private func letterOnGridPaper(grid: Bool) -> (page: Raster, letter: [Int]) {
        var page = Raster(width: 300, height: 240)
        let tilt = tan(3 * Double.pi / 180)
        for y in 0..<240 {
            for x in 0..<300 {
                let across = Double(y) - tilt * Double(x), along = Double(x) + tilt * Double(y)
                let onRow = (across + 60).truncatingRemainder(dividingBy: 30) < 2
                let onColumn = grid && along.truncatingRemainder(dividingBy: 30) < 2
                if onRow || onColumn { page[x, y] = 160 }
            }
        }
        var letter: [Int] = []
        for y in 100..<190 {
            for x in 120..<200 where x < 124 || y >= 186 {
                page[x, y] = 255
                letter.append(y * 300 + x)
            }
        }
        return (page, letter)
    }

    func testRemoveRuledLinesErasesRulingAndGridButKeepsTheLetter() throws {
        for grid in [false, true] {
            let (page, letter) = letterOnGridPaper(grid: grid)
            var context = TestImages.context(for: page)
            let cleaned = try RemoveRuledLinesStage().apply(page, context: &context)
            let kept = letter.filter { cleaned.pixels[$0] == 255 }.count
            XCTAssertEqual(kept, letter.count, "every pixel of the letter stays, where it crosses a line too")
            let isLetter = Set(letter)
            let leftOver = cleaned.pixels.indices.filter { !isLetter.contains($0) && cleaned.pixels[$0] > 0 }
            let touching = leftOver.filter { index in
                let (x, y) = (index % 300, index / 300)
                return (-3...3).contains { dy in (-3...3).contains { dx in isLetter.contains((y + dy) * 300 + x + dx) } }
            }
            XCTAssertEqual(leftOver.count, touching.count, "grid \(grid): only line pixels touching the letter stay")
            XCTAssertLessThan(leftOver.count, 200)
            var cropContext = TestImages.context(for: cleaned)
            _ = try CropToBBoxStage().with { $0.threshold = .fraction(0.35); $0.minArea = 16 }.apply(cleaned, context: &cropContext)
            let box = try XCTUnwrap(cropContext.inkBox)
            XCTAssertEqual(Double(box.x), 120, accuracy: 2)
            XCTAssertEqual(Double(box.y), 100, accuracy: 2)
            XCTAssertEqual(Double(box.width), 80, accuracy: 4)
            XCTAssertEqual(Double(box.height), 90, accuracy: 4)
            var uncleaned = TestImages.context(for: page)
            _ = try CropToBBoxStage().with { $0.threshold = .fraction(0.35); $0.minArea = 16 }.apply(page, context: &uncleaned)
            XCTAssertGreaterThan(try XCTUnwrap(uncleaned.inkBox).width, 250, "without the stage the lines take the crop to the page")
        }
    }

    func testRemoveRuledLinesLeavesLongStrokesOfTheLetterAlone() throws {
        var context = TestImages.context(for: Raster(width: 8, height: 8))
        // A Z whose 2 px bars span half the width.
        var z = Raster(width: 200, height: 160)
        for x in 50..<150 { for y in 40..<42 { z[x, y] = 255 }; for y in 118..<120 { z[x, y] = 255 } }
        for y in 42..<118 { let x = 150 - (y - 42) * 100 / 76; z[x, y] = 255; z[x + 1, y] = 255 }
        XCTAssertEqual(try RemoveRuledLinesStage().apply(z, context: &context), z)
        // Tightly cropped letters whose thin stems run the whole height: an l, an H and an E.
        let l = TestImages.block(width: 30, height: 120, rect: PixelRect(x: 14, y: 2, width: 2, height: 116))
        XCTAssertEqual(try RemoveRuledLinesStage().apply(l, context: &context), l)
        var h = Raster(width: 80, height: 120)
        for y in 2..<118 { for x in [4, 5, 74, 75] { h[x, y] = 255 } }
        for y in 58..<61 { for x in 6..<74 { h[x, y] = 255 } }
        XCTAssertEqual(try RemoveRuledLinesStage().apply(h, context: &context), h)
        var e = Raster(width: 100, height: 120)
        for y in 2..<118 { for x in 3..<6 { e[x, y] = 255 } }
        for x in 6..<97 { for y in [2, 3, 59, 60, 116, 117] { e[x, y] = 255 } }
        XCTAssertEqual(try RemoveRuledLinesStage().apply(e, context: &context), e)
        let blank = Raster(width: 50, height: 50)
        XCTAssertEqual(try RemoveRuledLinesStage().apply(blank, context: &context), blank)
    }

    func testDeskewStandsASlantedStrokeUpright() throws {
        // A 6 px wide stroke, 60 px tall, leaning right by 0.4 px per row; an upright one beside it.
        func stroke(shear: Double) -> Raster {
            var image = Raster(width: 40, height: 60)
            for y in 0..<60 {
                let left = Int((10 + shear * Double(59 - y)).rounded())
                for x in left..<(left + 6) { image[x, y] = 255 }
            }
            return image
        }
        let slanted = stroke(shear: 0.4)
        let measured = try XCTUnwrap(DeskewStage.slant(slanted, level: 90))
        XCTAssertEqual(measured.shear, -0.4, accuracy: 0.02)
        var context = TestImages.context(for: slanted)
        let upright = try DeskewStage().apply(slanted, context: &context)
        XCTAssertEqual(upright.height, 60, "rows do not move")
        XCTAssertEqual(Double(upright.width), 6, accuracy: 1, "trimmed to the now vertical stroke")
        XCTAssertEqual(try XCTUnwrap(DeskewStage.slant(upright, level: 90)).shear, 0, accuracy: 0.02)

        let straight = stroke(shear: 0)
        XCTAssertEqual(try DeskewStage().apply(straight, context: &context), straight, "an upright glyph is left alone")

        let limited = try DeskewStage().with { $0.maxShear = 0.1 }.apply(slanted, context: &context)
        XCTAssertEqual(try XCTUnwrap(DeskewStage.slant(limited, level: 90)).shear, -0.3, accuracy: 0.03,
                       "only max_shear of the slant is removed")
        XCTAssertEqual(try DeskewStage().apply(Raster(width: 5, height: 5), context: &context), Raster(width: 5, height: 5),
                       "no ink, nothing to do")

        let keepingSome = try DeskewStage().with { $0.keep = 0.25 }.apply(slanted, context: &context)
        XCTAssertEqual(try XCTUnwrap(DeskewStage.slant(keepingSome, level: 90)).shear, -0.25, accuracy: 0.03,
                       "only the slant beyond keep is removed")
        let natural = stroke(shear: 0.2)
        XCTAssertEqual(try DeskewStage().with { $0.keep = 0.25 }.apply(natural, context: &context), natural,
                       "a slant within keep is left alone")
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
