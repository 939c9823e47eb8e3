import CDeflate
import CVipsShims
import Foundation
import XCTest
@testable import GlyphImaging

/// The libdeflate PNG route must give exactly what libvips' PNG loader gives, and hand every
/// PNG it does not fully understand back to libvips.
final class PNGDecoderTests: XCTestCase {
    /// Samples with texture, so every filter type predicts something non-trivial.
    func samples(width: Int, height: Int, channels: Int) -> [UInt8] {
        var state: UInt32 = 12345
        return (0..<(width * height * channels)).map { i in
            state = state &* 1_103_515_245 &+ 12345
            let pixel = i / channels, x = pixel % width, y = pixel / width
            return UInt8(truncatingIfNeeded: (x * 3 + y * 5 + (i % channels) * 40) / 2 + Int(state >> 28))
        }
    }

    /// libvips' reading of `png`: what the fast route must reproduce.
    func libvipsPixels(_ png: [UInt8]) throws -> [UInt8] {
        let file = FileBytes(png)
        let image = try VipsImage.make("vips_image_new_from_buffer", backing: file) { gpv_load_buffer(file.base, file.count, $0) }
        return try ImageDecoder.readPixels(image).bytes
    }

    /// Decodes a whole file the way the pipeline's `decode` stage does by default.
    func decode(_ bytes: [UInt8], lumaOnly: Bool = false, minSide: Int = 320) throws(ImageError) -> DecodedImage {
        try ImageDecoder.decode(FileBytes(bytes), plan: DecodePlan(shrink: .auto(minSide: minSide), lumaOnly: lumaOnly))
    }

    func header(_ png: [UInt8]) -> PNGDecoder.Header? {
        let file = FileBytes(png)
        return withExtendedLifetime(file) { PNGDecoder.header(file.bytes) }
    }

    func fastDecode(_ png: [UInt8]) -> PNGDecoder.Pixels? {
        let file = FileBytes(png)
        return withExtendedLifetime(file) {
            PNGDecoder.header(file.bytes).flatMap { PNGDecoder.decode(file.bytes, header: $0) }
        }
    }

    func testEveryFilterTypeDecodesAsLibvipsDoes() throws {
        for channels in [1, 3] {
            let width = 37, height = 23
            let pixels = samples(width: width, height: height, channels: channels)
            // Each row uses filter (y % 5): None, Sub, Up, Average, Paeth; and the zlib stream
            // is split over several IDAT chunks of odd sizes.
            let png = PNGWriter.encode(pixels, width: width, height: height, channels: channels,
                                       filters: (0..<height).map { UInt8($0 % 5) }, idatChunkSize: 97)
            XCTAssertEqual(try libvipsPixels(png), pixels, "the writer itself must be right")
            guard let decoded = fastDecode(png) else {
                return XCTFail("the fast route should take an 8-bit \(channels)-channel PNG")
            }
            let unpacked = decoded.withSamples { Raster.unpacked(fromSamples: $0, firstRow: 1, rowStride: decoded.rowStride,
                                                                   width: width, height: height, channels: channels) }
            XCTAssertEqual(unpacked.bytes(), pixels, "\(channels) channel(s)")
            // Through the stage, with and without luma reduction.
            XCTAssertEqual(try decode(png).raster.bytes(), pixels)
        }
    }

    func testLumaReductionMatchesTheLibvipsRoute() throws {
        let width = 1299, height = 700
        let pixels = samples(width: width, height: height, channels: 3)
        let png = PNGWriter.encode(pixels, width: width, height: height, channels: 3,
                                   filters: (0..<height).map { UInt8(($0 * 7) % 5) }, idatChunkSize: 8192)
        let decoded = try decode(png, lumaOnly: true, minSide: 160)
        let fast = decoded.raster
        XCTAssertEqual(decoded.shrink, 4)
        let reference = Raster.luma(fromBytes: try libvipsPixels(png), width: width, height: height, channels: 3, boxReducedBy: 4)
        XCTAssertEqual(fast, reference)
    }

    func testHandsUnusualPNGsToLibvips() throws {
        let gray = PNGWriter.encode(samples(width: 8, height: 8, channels: 1), width: 8, height: 8, channels: 1,
                                    filters: Array(repeating: 0, count: 8), idatChunkSize: 1000)
        XCTAssertNotNil(header(gray))
        // 16-bit, alpha, palette and interlaced files (written by libvips) are libvips' job.
        let rgba = try ImageEncoder.encode(bytes: samples(width: 9, height: 9, channels: 4), width: 9, height: 9, bands: 4, as: .png)
        XCTAssertNil(header(rgba))
        var wrongDepth = gray
        wrongDepth[24] = 16
        XCTAssertNil(header(wrongDepth), "IHDR no longer matches its CRC")
        // A corrupted IDAT (bad CRC) or a truncated file: the fast route declines and libvips
        // reports the problem in its own words.
        var corrupt = gray
        corrupt[gray.count - 20] ^= 0xFF
        XCTAssertNotNil(header(corrupt))
        XCTAssertNil(fastDecode(corrupt))
        XCTAssertThrowsError(try decode(corrupt)) { error in
            let failure = error as? ImageError
            XCTAssertEqual(failure?.kind, .decode)
            // libvips' words, then the cause the PNG route found.
            XCTAssertTrue(failure?.message.contains("VipsForeignLoadPng") == true, failure?.message ?? "")
            XCTAssertTrue(failure?.message.contains("CRC mismatch in the IDAT chunk at byte") == true, failure?.message ?? "")
        }
        let truncated = Array(gray.prefix(gray.count - 30))
        XCTAssertThrowsError(try decode(truncated)) { error in
            let failure = error as? ImageError
            XCTAssertEqual(failure?.kind, .decode)
            XCTAssertTrue(failure?.message.contains("VipsForeignLoadPng") == true, failure?.message ?? "")
            XCTAssertTrue(failure?.message.contains("truncated") == true, failure?.message ?? "")
        }
    }
}

extension PNGDecoderTests {
    func testEncoderOutputReadsBackInLibvips() throws {
        for (width, height, channels) in [(28, 28, 1), (1, 1, 1), (301, 17, 3)] {
            let pixels = samples(width: width, height: height, channels: channels)
            for filters in [PNGRowFilters.none, .adaptive] {
                let png = try ImageEncoder.encode(bytes: pixels, width: width, height: height, bands: channels, as: .png,
                                                  pngRowFilters: filters)
                XCTAssertEqual(try libvipsPixels(png), pixels, "\(width)×\(height)×\(channels) \(filters)")
                XCTAssertEqual(try decode(png).raster.bytes(), pixels, "\(width)×\(height)×\(channels) \(filters)")
            }
        }
    }

    func testDamagedFilesFailWithACauseAndNeverCrash() throws {
        let pixels = samples(width: 64, height: 48, channels: 3)
        let png = try ImageEncoder.encode(bytes: pixels, width: 64, height: 48, bands: 3, as: .png, pngRowFilters: .adaptive)
        var state: UInt64 = 99
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var failures = 0, diagnosed = 0
        for round in 0..<200 {
            var damaged = png
            switch round % 3 {
            case 0: for _ in 0...next(8) { damaged[8 + next(damaged.count - 8)] = UInt8(next(256)) }
            case 1: damaged = Array(damaged.prefix(8 + next(damaged.count - 8)))
            default: damaged[8 + next(40)] ^= UInt8(1 + next(255))
            }
            do {
                _ = try decode(damaged)
            } catch {
                failures += 1
                XCTAssertEqual(error.kind, .decode)
                XCTAssertTrue(error.message.contains("("), "names a cause: \(error.message)")
                if let cause = damaged.withUnsafeBytes({ PNGDecoder.damage($0) }) {
                    XCTAssertTrue(error.message.hasSuffix("(\(cause))"), error.message)
                    diagnosed += 1
                }
            }
        }
        XCTAssertGreaterThan(failures, 150)
        XCTAssertGreaterThan(diagnosed, failures * 9 / 10, "the PNG route names the damage in most failures")
    }

    /// `GLYPHPREP_BENCH=1 swift test -c release --filter PNGDecoderTests`
    func testSmallPNGEncodeCostBenchmark() throws {
        guard ProcessInfo.processInfo.environment["GLYPHPREP_BENCH"] == "1" else {
            throw XCTSkip("set GLYPHPREP_BENCH=1 (and use -c release) to time 28×28 PNG encoding")
        }
        let pixels = samples(width: 28, height: 28, channels: 1)
        let rounds = 5000
        for (name, orientation) in [("direct", nil), ("libvips pngsave", Optional(1))] {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<rounds {
                _ = try ImageEncoder.encode(bytes: pixels, width: 28, height: 28, bands: 1, as: .png, orientation: orientation)
            }
            let micros = Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(rounds)
            print(String(format: "BENCH 28x28 gray PNG encode, %@: %.1f µs each", name, micros))
        }
    }
}

/// A minimal PNG writer for tests: chosen filter per row, IDAT split into chunks of a given size.
enum PNGWriter {
    static func encode(_ pixels: [UInt8], width: Int, height: Int, channels: Int, filters: [UInt8], idatChunkSize: Int) -> [UInt8] {
        let stride = width * channels
        var raw = [UInt8]()
        for y in 0..<height {
            let filter = filters[y]
            raw.append(filter)
            for i in 0..<stride {
                let x = Int(pixels[y * stride + i])
                let a = i >= channels ? Int(pixels[y * stride + i - channels]) : 0
                let b = y > 0 ? Int(pixels[(y - 1) * stride + i]) : 0
                let c = y > 0 && i >= channels ? Int(pixels[(y - 1) * stride + i - channels]) : 0
                let predictor: Int
                switch filter {
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: predictor = 0
                }
                raw.append(UInt8(truncatingIfNeeded: x - predictor))
            }
        }
        let compressor = libdeflate_alloc_compressor(6)
        defer { libdeflate_free_compressor(compressor) }
        var compressed = [UInt8](repeating: 0, count: raw.count + 1024)
        let size = libdeflate_zlib_compress(compressor, raw, raw.count, &compressed, compressed.count)
        compressed.removeSubrange(size...)
        var png = PNGDecoder.signature
        var ihdr = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        ihdr += [8, channels == 3 ? 2 : 0, 0, 0, 0]
        png += chunk("IHDR", ihdr)
        var start = 0
        while start < compressed.count {
            let end = min(compressed.count, start + idatChunkSize)
            png += chunk("IDAT", Array(compressed[start..<end]))
            start = end
        }
        png += chunk("IEND", [])
        return png
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(libdeflate_crc32(0, body, body.count))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
