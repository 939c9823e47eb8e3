import Foundation
import XCTest
@testable import GlyphTraining

final class OutlineFontTests: XCTestCase {
    static let dejaVu = URL(fileURLWithPath: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

    func testThinsABarToOnePixelAndTracesItAsOneStroke() {
        let width = 30, height = 11
        var mask = [Bool](repeating: false, count: width * height)
        for y in 3...7 { for x in 3...26 { mask[y * width + x] = true } }
        Skeleton.thin(&mask, width: width, height: height)
        for x in 6...23 {
            XCTAssertEqual((0..<height).filter { mask[$0 * width + x] }, [5], "column \(x)")
        }
        let strokes = Skeleton.trace(mask, width: width, height: height)
        XCTAssertEqual(strokes.count, 1)
        XCTAssertEqual(strokes.first?.count, mask.filter { $0 }.count)
    }

    func testTracesALoopClosedAndKeepsADotButDropsShortSpurs() {
        let width = 20, height = 20
        var skeleton = [Bool](repeating: false, count: width * height)
        // A square ring, a 2-pixel spur off its right side and an isolated dot.
        for i in 4...12 {
            skeleton[4 * width + i] = true; skeleton[12 * width + i] = true
            skeleton[i * width + 4] = true; skeleton[i * width + 12] = true
        }
        skeleton[8 * width + 13] = true; skeleton[8 * width + 14] = true
        skeleton[1 * width + 17] = true
        let strokes = Skeleton.trace(skeleton, width: width, height: height, minimumSpur: 3)
        let loop = strokes.first { $0.count > 10 }
        XCTAssertNotNil(loop)
        if let loop, let first = loop.first, let last = loop.last {
            XCTAssertLessThanOrEqual(max(abs(first.x - last.x), abs(first.y - last.y)), 1, "the loop is closed")
        }
        XCTAssertTrue(strokes.contains { $0.count == 1 && $0[0] == (x: 17, y: 1) }, "the dot is kept")
        XCTAssertFalse(strokes.contains { $0.contains { $0 == (x: 14, y: 8) } }, "the spur is dropped")
        let withSpurs = Skeleton.trace(skeleton, width: width, height: height)
        XCTAssertTrue(withSpurs.contains { $0.contains { $0 == (x: 14, y: 8) } })
    }

    func testReadsTheFamilyNameFromTheNameTable() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: Self.dejaVu.path), "fonts-dejavu-core is not installed")
        XCTAssertEqual(OutlineFont.familyName(ofFont: [UInt8](try Data(contentsOf: Self.dejaVu))), "DejaVu Sans")
        XCTAssertNil(OutlineFont.familyName(ofFont: Array("not a font at all, just text".utf8)))
        XCTAssertNil(OutlineFont.familyName(ofFont: []))
    }

    /// The traced strokes, drawn with the font's own stroke width, cover the glyph as the font
    /// draws it: thinning and tracing lose no part of a letter (the dots of i and j included).
    func testStrokesRedrawTheFontsLetters() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: Self.dejaVu.path), "fonts-dejavu-core is not installed")
        let font = try OutlineFont.letters(from: Self.dejaVu, writer: "font-dejavu", size: 64)
        XCTAssertEqual(font.family, "DejaVu Sans")
        let letters = font.samples
        XCTAssertEqual(letters.count, 52)
        XCTAssertEqual(Set(letters.compactMap(\.classLabel)).count, 26)
        XCTAssertTrue(letters.allSatisfy { $0.writer == "font-dejavu" })
        for character in "ijij" {
            let sample = try XCTUnwrap(letters.first { $0.character == character })
            XCTAssertGreaterThanOrEqual(sample.strokes.count, 2, "\(character): stem and dot")
        }
        for sample in letters {
            let mask = try OutlineFont.draw(sample.character, family: "DejaVu Sans", file: Self.dejaVu.path, size: 64)
            let ink = mask.coverage.map { $0 >= 128 }
            let area = ink.filter { $0 }.count
            let length = sample.strokes.map(\.count).reduce(0, +)
            var canvas = CoverageCanvas(width: mask.width, height: mask.height)
            let radius = Float(area) / Float(max(1, length)) / 2 + 0.5
            for stroke in sample.strokes {
                canvas.drawPolyline(stroke.map { PixelPoint(x: Float($0.x), y: Float($0.y)) }, radius: radius)
            }
            let drawn = canvas.values.map { $0 >= 0.5 }
            let both = zip(ink, drawn).filter { $0 && $1 }.count
            let either = zip(ink, drawn).filter { $0 || $1 }.count
            XCTAssertGreaterThan(Double(both) / Double(max(1, either)), 0.65, "\(sample.character)")
        }
    }

    func testRejectsAFileThatIsNotAFont() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-font-\(UUID().uuidString).ttf")
        try Data("hello".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try OutlineFont.letters(from: url, writer: "x")) { error in
            XCTAssertTrue("\(error)".contains("not a TrueType/OpenType font"), "\(error)")
        }
    }
}
