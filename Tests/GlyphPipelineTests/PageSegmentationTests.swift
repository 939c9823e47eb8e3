import Foundation
import XCTest
@testable import GlyphPipeline
import GlyphTestSupport
@testable import GlyphImaging

/// Pages drawn from rectangles (bright ink on black, as after `normalize`) with known boxes.
enum TestPage {
    /// An "o" of `stroke` px strokes filling `box`.
    static func ring(_ box: PixelRect, stroke: Int = 5) -> [PixelRect] {
        [PixelRect(x: box.x, y: box.y, width: box.width, height: stroke),
         PixelRect(x: box.x, y: box.y + box.height - stroke, width: box.width, height: stroke),
         PixelRect(x: box.x, y: box.y, width: stroke, height: box.height),
         PixelRect(x: box.x + box.width - stroke, y: box.y, width: stroke, height: box.height)]
    }

    /// An "i": a stem under a dot, `box` covering both.
    static func dotted(_ box: PixelRect) -> [PixelRect] {
        let stemTop = box.y + box.height / 4
        return [PixelRect(x: box.x + box.width / 2 - 3, y: box.y, width: 7, height: 7),
                PixelRect(x: box.x + box.width / 2 - 3, y: stemTop, width: 7, height: box.y + box.height - stemTop)]
    }

    static func raster(width: Int, height: Int, _ strokes: [PixelRect]) -> Raster {
        var image = Raster(width: width, height: height, filledWith: 0)
        for rect in strokes {
            for y in rect.y..<(rect.y + rect.height) {
                for x in rect.x..<(rect.x + rect.width) { image[x, y] = 255 }
            }
        }
        return image
    }
}

final class PageSegmentationTests: XCTestCase {
    func testLettersInRowsAreFoundInReadingOrderWithDotsMergedAndNeighboursApart() {
        // Two lines of letters 60 px tall, 20 px apart (a third of their height); the second
        // line starts with an i whose dot is apart from its stem, and has a word gap.
        var strokes: [PixelRect] = [], boxes: [PixelRect] = []
        for (index, x) in [40, 100, 160].enumerated() {
            let box = PixelRect(x: x, y: 40 + index * 3, width: 40, height: 60)  // slight tilt
            strokes += TestPage.ring(box)
            boxes.append(box)
        }
        let i = PixelRect(x: 40, y: 180, width: 20, height: 60)
        strokes += TestPage.dotted(i)
        boxes.append(PixelRect(x: i.x + i.width / 2 - 3, y: i.y, width: 7, height: i.height))
        for x in [80, 240] {
            let box = PixelRect(x: x, y: 180, width: 40, height: 60)
            strokes += TestPage.ring(box)
            boxes.append(box)
        }
        strokes.append(PixelRect(x: 300, y: 300, width: 3, height: 3))  // a speck
        let page = TestPage.raster(width: 400, height: 360, strokes)
        let found = SegmentStage().segment(page)
        XCTAssertEqual(found.glyphs.map(\.box), boxes)
        XCTAssertEqual(found.glyphs.map(\.line), [0, 0, 0, 1, 1, 1])
        XCTAssertEqual(found.glyphs.map(\.word), [0, 0, 0, 0, 0, 1])
        XCTAssertEqual(found.found, 6)
    }

    func testEachGlyphIsCutOutWithoutItsNeighboursInk() throws {
        let left = PixelRect(x: 20, y: 20, width: 40, height: 60), right = PixelRect(x: 66, y: 20, width: 40, height: 60)
        let page = TestPage.raster(width: 160, height: 100, TestPage.ring(left) + TestPage.ring(right))
        var context = StageContext(sourceWidth: 320, sourceHeight: 200)
        context.scaleX = 2  // decoded at half the source size
        context.scaleY = 2
        let (segmentation, images) = SegmentStage().glyphs(of: page, context: context)
        XCTAssertEqual(segmentation.glyphs.count, 2)
        let (first, firstContext) = try XCTUnwrap(images.first)
        XCTAssertEqual(firstContext.inkBox, PixelRect(x: 40, y: 40, width: 80, height: 120), "source pixels")
        // The margin (0.15 × 60 = 9 px) reaches 3 px into the right letter's ring: none of it shows.
        XCTAssertEqual(first.width, 40 + 2 * 9)
        let inkColumns = (0..<first.width).filter { x in (0..<first.height).contains { first[x, $0] > 0 } }
        XCTAssertEqual(inkColumns.first, 9)
        XCTAssertEqual(inkColumns.last, 48)
    }

    func testBoxGridIsErasedAndALetterTouchingItsBoxIsOneGlyph() {
        // Five boxes 90 px wide with 3 px lines; letters 50 px tall, the third touching its box's floor.
        var strokes: [PixelRect] = [PixelRect(x: 20, y: 20, width: 453, height: 3), PixelRect(x: 20, y: 107, width: 453, height: 3)]
        for box in 0...5 { strokes.append(PixelRect(x: 20 + box * 90, y: 20, width: 3, height: 90)) }
        var boxes: [PixelRect] = []
        for box in 0..<5 {
            let letter = PixelRect(x: 50 + box * 90, y: box == 2 ? 57 : 40, width: 30, height: 50)
            strokes += TestPage.ring(letter)
            boxes.append(letter)
        }
        let found = SegmentStage().segment(TestPage.raster(width: 500, height: 140, strokes))
        XCTAssertEqual(found.glyphs.count, 5)
        for (glyph, box) in zip(found.glyphs, boxes) {
            XCTAssertEqual(glyph.box.x, box.x)
            XCTAssertEqual(glyph.box.width, box.width)
            XCTAssertEqual(glyph.box.y, box.y)
            XCTAssertLessThanOrEqual(abs(glyph.box.height - box.height), 3, "\(glyph.box) vs \(box)")
        }
        XCTAssertEqual(Set(found.glyphs.map(\.line)), [0])
    }

    func testPencilLettersFainterThanTheirPrintedBoxesAreFound() {
        // A printed form filled in pencil: normalize made the box lines full strength and left
        // the letters at 80 of 255, under segment's threshold (0.35 × 255 ≈ 89).
        var grid = Raster(width: 500, height: 140, filledWith: 0)
        var lines: [PixelRect] = [PixelRect(x: 20, y: 20, width: 453, height: 3), PixelRect(x: 20, y: 107, width: 453, height: 3)]
        for box in 0...5 { lines.append(PixelRect(x: 20 + box * 90, y: 20, width: 3, height: 90)) }
        let letters = (0..<5).map { PixelRect(x: 50 + $0 * 90, y: 40, width: 30, height: 50) }
        for (rects, ink) in [(lines, Float(255)), (letters.flatMap { TestPage.ring($0) }, Float(80))] {
            for rect in rects {
                for y in rect.y..<(rect.y + rect.height) {
                    for x in rect.x..<(rect.x + rect.width) { grid[x, y] = ink }
                }
            }
        }
        let found = SegmentStage().segment(grid)
        XCTAssertEqual(found.glyphs.map(\.box.x), letters.map(\.x))
        XCTAssertEqual(found.page.pixels.max() ?? 0, 240, accuracy: 1, "the letters' ink, brought to strength (80 × 3)")
        // Without boxes nothing is erased and nothing is re-levelled: faint ink stays under the threshold.
        var bare = Raster(width: 500, height: 140, filledWith: 0)
        for rect in letters.flatMap({ TestPage.ring($0) }) {
            for y in rect.y..<(rect.y + rect.height) {
                for x in rect.x..<(rect.x + rect.width) { bare[x, y] = 80 }
            }
        }
        XCTAssertEqual(SegmentStage().segment(bare).glyphs.count, 0)
    }

    func testManyBlobsAreCappedAndBlankPagesHaveNone() {
        var strokes: [PixelRect] = []
        for row in 0..<20 {
            for column in 0..<20 { strokes.append(PixelRect(x: 10 + column * 30, y: 10 + row * 30, width: 18, height: 18)) }
        }
        var stage = SegmentStage()
        stage.maxGlyphs = 50
        let found = stage.segment(TestPage.raster(width: 620, height: 620, strokes))
        XCTAssertEqual(found.glyphs.count, 50)
        XCTAssertEqual(found.found, 400)
        XCTAssertTrue(stage.segment(Raster(width: 100, height: 100, filledWith: 0)).glyphs.isEmpty)
        var context = TestImages.context(for: Raster(width: 100, height: 100, filledWith: 0))
        XCTAssertThrowsError(try stage.apply(Raster(width: 100, height: 100, filledWith: 0), context: &context)) { error in
            XCTAssertEqual((error as? StageFailure)?.code, .noInk)
        }
    }

    func testSeveralLettersSideBySideAreCountedAndOneLetterInPiecesIsOne() {
        let rings = [0, 1, 2].map { PixelRect(x: 10 + $0 * 60, y: 10, width: 40, height: 60) }
        XCTAssertEqual(PageSegmenter.separateLetters(rings), 3)
        // An i (dot apart) and an H whose bar stops short of the right stem.
        XCTAssertEqual(PageSegmenter.separateLetters([PixelRect(x: 10, y: 0, width: 7, height: 7), PixelRect(x: 10, y: 15, width: 7, height: 45)]), 1)
        XCTAssertEqual(PageSegmenter.separateLetters([PixelRect(x: 0, y: 0, width: 36, height: 60), PixelRect(x: 38, y: 0, width: 5, height: 60)]), 1)
        var context = TestImages.context(for: Raster(width: 1, height: 1, filledWith: 0))
        let image = TestPage.raster(width: 220, height: 90, rings.flatMap { TestPage.ring($0) })
        _ = try? CropToBBoxStage().apply(image, context: &context)
        XCTAssertEqual(context.separateLetters, 3)
    }
}
