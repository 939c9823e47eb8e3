import Foundation
import XCTest
@testable import GlyphPipeline
@testable import GlyphImaging

final class IDXTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("glyphprep-idx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func sampleImages(count: Int = 5, rows: Int = 4, columns: Int = 3) throws -> IDXImages {
        try IDXImages(count: count, rows: rows, columns: columns,
                      pixels: (0..<(count * rows * columns)).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) })
    }

    func testHeaderBytesAreBigEndian() throws {
        let file = try IDXFile(dimensions: [2, 1, 258], bytes: [UInt8](repeating: 9, count: 516))
        XCTAssertEqual(Array(file.encoded().prefix(16)), [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 1, 2])
    }

    func testPlainAndGzipRoundTrip() throws {
        let images = try sampleImages()
        let labels: [UInt8] = [1, 2, 26, 3, 4]
        for gzip in [false, true] {
            let imageURL = directory.appendingPathComponent("x-images-idx3-ubyte" + (gzip ? ".gz" : ""))
            let labelURL = directory.appendingPathComponent("x-labels-idx1-ubyte" + (gzip ? ".gz" : ""))
            try images.write(to: imageURL)
            try IDXLabels.write(labels, to: labelURL)
            let raw = [UInt8](try Data(contentsOf: imageURL))
            XCTAssertEqual(Gzip.isCompressed(raw), gzip)
            if !gzip { XCTAssertEqual(raw.count, 16 + 60) }
            XCTAssertEqual(try IDXImages(contentsOf: imageURL), images)
            XCTAssertEqual(try IDXLabels.read(contentsOf: labelURL), labels)
        }
        // Compression follows content, not name.
        let named = directory.appendingPathComponent("plain.gz")
        try images.write(to: named, gzip: false)
        XCTAssertEqual(try IDXImages(contentsOf: named), images)
    }

    func testTransposeOnLoad() throws {
        let images = try sampleImages(count: 2, rows: 2, columns: 3)
        let url = directory.appendingPathComponent("t-images-idx3-ubyte")
        try images.write(to: url, transposed: true)
        let stored = try IDXImages(contentsOf: url)
        XCTAssertEqual(stored.rows, 3)
        XCTAssertEqual(stored.columns, 2)
        // Pixel (row 0, column 1) of image 1 becomes (row 1, column 0).
        XCTAssertEqual(stored.pixels[6 + 1 * 2 + 0], images.pixels[6 + 0 * 3 + 1])
        XCTAssertEqual(try IDXImages(contentsOf: url, transposed: true), images)
        XCTAssertEqual(images.transposed().transposed(), images)
    }

    func testCorruptFilesAreRejected() throws {
        let good = try sampleImages().file.encoded()
        func rejects(_ bytes: [UInt8], _ expected: IDXError, line: UInt = #line) {
            XCTAssertThrowsError(try IDXFile(parsing: bytes), line: line) { error in
                XCTAssertEqual(error as? IDXError, expected, line: line)
                XCTAssertFalse(String(describing: error).isEmpty, line: line)
            }
        }
        rejects([0, 0], .tooShort(2))
        var magic = good
        magic[0] = 1
        rejects(magic, .badMagic([1, 0, 8, 3]))
        var type = good
        type[2] = 0x0D
        rejects(type, .unsupportedElementType(0x0D))
        rejects(Array(good.dropLast()), .sizeMismatch(expected: 60, actual: 59))
        rejects(good + [0], .sizeMismatch(expected: 60, actual: 61))
        rejects(Array(good.prefix(10)), .tooShort(10))
        var huge = good
        huge[4] = 0xFF
        rejects(huge, .sizeMismatch(expected: 0xFF00_0005 * 12, actual: 60))
        var zeroRank = good
        zeroRank[3] = 0
        rejects(zeroRank, .badMagic([0, 0, 8, 0]))

        let gz = try Gzip.compress(good)
        XCTAssertEqual(try IDXFile(parsing: gz).encoded(), good)
        XCTAssertThrowsError(try IDXFile(parsing: Array(gz.prefix(gz.count / 2)))) {
            guard case .compression = $0 as? IDXError else { return XCTFail("\($0)") }
        }
        var garbled = gz
        garbled[12] ^= 0xFF
        garbled[13] ^= 0xFF
        XCTAssertThrowsError(try IDXFile(parsing: garbled))

        let labelsAsImages = try IDXFile(dimensions: [3], bytes: [1, 2, 3])
        XCTAssertThrowsError(try IDXImages(file: labelsAsImages)) {
            XCTAssertEqual($0 as? IDXError, .wrongRank(expected: 3, actual: 1))
        }
        XCTAssertThrowsError(try IDXFile(dimensions: [2, 2], bytes: [1, 2, 3]))
        XCTAssertThrowsError(try IDXImages(contentsOf: directory.appendingPathComponent("absent"))) {
            guard case .io = $0 as? IDXError else { return XCTFail("\($0)") }
        }
    }

    func testGzipHandlesLargeAndConcatenatedStreams() throws {
        var state: UInt32 = 1
        let big = (0..<300_000).map { _ -> UInt8 in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 28)
        }
        let packed = try Gzip.compress(big)
        XCTAssertLessThan(packed.count, big.count)
        XCTAssertEqual(try Gzip.decompress(packed), big)
        let two = try Gzip.compress([1, 2, 3]) + Gzip.compress([4, 5])
        XCTAssertEqual(try Gzip.decompress(two), [1, 2, 3, 4, 5])
        XCTAssertThrowsError(try Gzip.decompress(packed, limit: 1000))
        XCTAssertEqual(try Gzip.decompress(Gzip.compress([])), [])
    }
}
