import Foundation
import XCTest
@testable import GlyphPipeline
import GlyphTestSupport
@testable import GlyphImaging

/// Stages that look at strokes: distance transform, stroke width, ruled lines, deskew.
final class StrokeStageTests: XCTestCase {
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
