import Foundation
import XCTest
@testable import GlyphTraining

final class LabeledFolderTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("glyphprep-folder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    private func touch(_ path: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data([0]).write(to: url)
    }

    func testSubfolderLayout() throws {
        for path in ["b/2.png", "a/1.PNG", "a/0.jpg", "a/notes.txt", "a/.hidden.png", ".git/x.png", "c/d.tiff"] {
            try touch(path)
        }
        try touch("loose.png")
        let index = try LabeledFolder.index(root: root)
        XCTAssertEqual(index.samples, [
            LabeledFile(relativePath: "a/0.jpg", label: "a"),
            LabeledFile(relativePath: "a/1.PNG", label: "a"),
            LabeledFile(relativePath: "b/2.png", label: "b"),
            LabeledFile(relativePath: "c/d.tiff", label: "c"),
        ])
        XCTAssertEqual(index.labels, ["a", "b", "c"])
        XCTAssertEqual(index.missing, [])
    }

    func testCSVWithQuotesHeaderAndMissingFiles() throws {
        try touch("scans/x 1.png")
        try touch("scans/y,2.png")
        try touch("scans/q\"uote.png")
        try touch("a/ignored.png")
        let csv = "\u{FEFF}file,label\r\n"
            + "\"scans/x 1.png\", a\r\n"
            + "\"scans/y,2.png\",\"b\"\n"
            + "\n"
            + "\"scans/q\"\"uote.png\",\"c,d\"\n"
            + "scans/gone.png,e\n"
        try csv.write(to: root.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)
        let index = try LabeledFolder.index(root: root)
        XCTAssertEqual(index.samples, [
            LabeledFile(relativePath: "scans/x 1.png", label: "a"),
            LabeledFile(relativePath: "scans/y,2.png", label: "b"),
            LabeledFile(relativePath: "scans/q\"uote.png", label: "c,d"),
        ])
        XCTAssertEqual(index.missing, ["scans/gone.png"])
    }

    func testCSVWithoutHeaderAndMultilineQuotedField() throws {
        let parsed = try LabeledFolder.parseCSV("a.png,x\n\"multi\nline.png\",y\nc.png,z")
        XCTAssertEqual(parsed.map(\.relativePath), ["a.png", "multi\nline.png", "c.png"])
        XCTAssertEqual(parsed.map(\.label), ["x", "y", "z"])
    }

    func testMalformedCSVIsRejectedWithLineNumbers() {
        func rejects(_ text: String, _ expected: LabeledFolderError, line: UInt = #line) {
            XCTAssertThrowsError(try LabeledFolder.parseCSV(text), line: line) {
                XCTAssertEqual($0 as? LabeledFolderError, expected, line: line)
            }
        }
        rejects("file,label\na.png,x\n\"b.png,y\n", .unterminatedQuote(line: 3))
        rejects("a.png,x,extra\n", .fieldCount(line: 1, found: 3))
        rejects("a.png\n", .fieldCount(line: 1, found: 1))
        rejects("a.png,x\n,y\n", .emptyField(line: 2))
        rejects("../etc/passwd,x\n", .unsafePath(line: 1, path: "../etc/passwd"))
        rejects("/abs.png,x\n", .unsafePath(line: 1, path: "/abs.png"))
        rejects("a.png,x\n\n\na.png,y\n", .duplicate(line: 4, path: "a.png"))
    }

    func testEmptyOrMissingRootIsAnError() throws {
        XCTAssertThrowsError(try LabeledFolder.index(root: root)) {
            XCTAssertEqual($0 as? LabeledFolderError, .noSamples(root.path))
        }
        XCTAssertThrowsError(try LabeledFolder.index(root: root.appendingPathComponent("nope")))
    }
}
