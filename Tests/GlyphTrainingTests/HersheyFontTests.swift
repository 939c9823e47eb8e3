import Foundation
import XCTest
@testable import GlyphTraining

final class HersheyFontTests: XCTestCase {
    func testParsesPenUpsAndWrappedRecords() throws {
        // Glyph 1: two strokes ("  R" lifts the pen). Glyph 2: its record wraps onto a second line.
        let text = "12345  6JZNFNM RVFVM\n12345  5H\\NJPI\nSFS[\n"
        let glyphs = try HersheyFont.parse(text, source: "inline")
        XCTAssertEqual(glyphs.count, 2)
        XCTAssertEqual(glyphs[0], [[.init(x: -4, y: -12), .init(x: -4, y: -5)], [.init(x: 4, y: -12), .init(x: 4, y: -5)]])
        XCTAssertEqual(glyphs[1].count, 1)
        XCTAssertEqual(glyphs[1][0].count, 4)
        XCTAssertEqual(glyphs[1][0].last, .init(x: 1, y: 9))
        XCTAssertThrowsError(try HersheyFont.parse("12345 20H\\NJ\n", source: "short"))
    }

    func testReadsTheLettersOfAnInstalledFont() throws {
        let url = URL(fileURLWithPath: "/usr/share/hershey-fonts/cursive.jhf")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: url.path), "hershey-fonts-data is not installed")
        let letters = try HersheyFont.letters(from: url, writer: "font-cursive")
        XCTAssertEqual(letters.count, 52)
        XCTAssertEqual(Set(letters.compactMap(\.classLabel)).count, 26)
        XCTAssertTrue(letters.allSatisfy { $0.writer == "font-cursive" && !$0.strokes.isEmpty })
    }
}
