import Foundation
import XCTest
@testable import GlyphPipeline
import GlyphTestSupport
@testable import GlyphImaging

/// The `crop` stage: finding the ink box among specks, sheet edges, blank pages and edge groups.
final class CropStageTests: XCTestCase {
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
}
