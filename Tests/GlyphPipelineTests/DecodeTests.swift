import Foundation
import XCTest
@testable import GlyphPipeline
import GlyphTestSupport
@testable import GlyphImaging

final class DecodeTests: XCTestCase {
    let ink = PixelRect(x: 40, y: 10, width: 20, height: 60)

    func testDecodesPNGExactly() throws {
        let rgb = TestImages.paperRGB(width: 100, height: 80, ink: ink)
        let png = try ImageEncoder.encode(bytes: rgb, width: 100, height: 80, bands: 3, as: .png)
        let (raster, context) = try DecodeStage().decode(png)
        XCTAssertEqual(raster.channels, 3)
        XCTAssertEqual(raster.bytes(), rgb)
        XCTAssertEqual(context.sourceWidth, 100)
        XCTAssertEqual(context.decodeShrink, 1)
    }

    func testHonoursExifOrientation() throws {
        // Stored 100×80 with orientation 6 (rotate 90° clockwise to view): upright it is 80×100.
        let rgb = TestImages.paperRGB(width: 100, height: 80, ink: PixelRect(x: 0, y: 0, width: 10, height: 10))
        let jpeg = try ImageEncoder.encode(bytes: rgb, width: 100, height: 80, bands: 3, as: .jpeg, quality: 95, orientation: 6)
        let (raster, context) = try DecodeStage().decode(jpeg)
        XCTAssertEqual(raster.width, 80)
        XCTAssertEqual(raster.height, 100)
        XCTAssertEqual(context.sourceWidth, 80)
        // The stored top-left ink corner is now top-right.
        var scratch = context
        let gray = try GrayscaleStage().apply(raster, context: &scratch)
        XCTAssertLessThan(gray[75, 4], 80)
        XCTAssertGreaterThan(gray[4, 4], 180)
    }

    func testFlattensAlphaOntoWhite() throws {
        // Transparent everywhere except an opaque black block.
        var rgba = [UInt8](repeating: 0, count: 30 * 30 * 4)
        for y in 10..<20 { for x in 10..<20 { rgba[(y * 30 + x) * 4 + 3] = 255 } }
        let png = try ImageEncoder.encode(bytes: rgba, width: 30, height: 30, bands: 4, as: .png)
        let (raster, _) = try DecodeStage().decode(png)
        XCTAssertEqual(raster.channels, 3)
        XCTAssertEqual(raster.pixels[0], 255, "transparent paper becomes white")
        XCTAssertEqual(raster.pixels[(15 * 30 + 15) * 3], 0, "opaque ink stays black")
    }

    func testShrinksLargeJPEGsWhileLoading() throws {
        let rgb = TestImages.paperRGB(width: 1600, height: 1280, ink: PixelRect(x: 400, y: 300, width: 200, height: 500))
        let jpeg = try ImageEncoder.encode(bytes: rgb, width: 1600, height: 1280, bands: 3, as: .jpeg)
        let (raster, context) = try DecodeStage().decode(jpeg, defaultMinSide: 320)
        XCTAssertEqual(context.decodeShrink, 4)
        XCTAssertEqual(raster.width, 400)
        XCTAssertEqual(context.sourceWidth, 1600)
        XCTAssertEqual(context.scaleX, 4)
        let (full, _) = try DecodeStage().with { $0.shrink = .fixed(1) }.decode(jpeg)
        XCTAssertEqual(full.width, 1600)
        // PNG loaders cannot shrink: they decode in full, then average blocks to the same scale.
        let png = try ImageEncoder.encode(bytes: rgb, width: 1600, height: 1280, bands: 3, as: .png)
        let (pngRaster, pngContext) = try DecodeStage().with { $0.shrink = .fixed(8) }.decode(png)
        XCTAssertEqual([pngRaster.width, pngRaster.height, pngRaster.channels], [200, 160, 3])
        XCTAssertEqual(pngContext.scaleX, 8)
        XCTAssertEqual(pngRaster.pixels[0], 235, accuracy: 0.5)
    }

    func testFullDecodeReachesTheSameWorkingScale() throws {
        // shrink_on_load: false decodes every pixel and averages blocks: the reference that the
        // DCT-scaled route must stay close to.
        var rgb = TestImages.paperRGB(width: 1600, height: 1280, strokes: TestImages.letterL(in: PixelRect(x: 500, y: 300, width: 400, height: 600)))
        for i in stride(from: 0, to: rgb.count, by: 7) { rgb[i] = rgb[i] &+ UInt8(i % 13) }
        let jpeg = try ImageEncoder.encode(bytes: rgb, width: 1600, height: 1280, bands: 3, as: .jpeg, quality: 92)
        for lumaOnly in [true, false] {
            let fast = DecodeStage(), reference = DecodeStage().with { $0.shrinkOnLoad = false }
            let (a, contextA) = try fast.decode(jpeg, lumaOnly: lumaOnly, defaultMinSide: 320)
            let (b, contextB) = try reference.decode(jpeg, lumaOnly: lumaOnly, defaultMinSide: 320)
            XCTAssertEqual([a.width, a.height, a.channels], [b.width, b.height, b.channels])
            XCTAssertEqual([contextA.decodeShrink, contextB.decodeShrink], [4, 4])
            let meanDifference = zip(a.pixels, b.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(a.pixels.count)
            XCTAssertLessThan(meanDifference, 1.5, "luma only: \(lumaOnly)")
            XCTAssertGreaterThan(meanDifference, 0, "two different routes")
        }
        let parsed = try PipelineConfiguration.parse(yaml: "version: 1\nstages:\n  - decode: {shrink_on_load: false}\n  - grayscale\n", source: "t.yaml")
        XCTAssertEqual(parsed.decode.label, "shrink auto, after load")
        XCTAssertFalse(parsed.decode.shrinkOnLoad)
    }

    func testRefusesImagesOverMaxPixels() throws {
        let png = try ImageEncoder.encode(bytes: [UInt8](repeating: 200, count: 100 * 100), width: 100, height: 100, bands: 1, as: .png)
        XCTAssertThrowsError(try DecodeStage().with { $0.maxPixels = 9_999 }.decode(png)) { error in
            let failure = error as? StageFailure
            XCTAssertEqual(failure?.code, .tooLarge)
            XCTAssertTrue(failure?.message.contains("10000 pixels") == true, failure?.message ?? "")
        }
        // A JPEG is judged by what it decodes to: 1600×1280 at 1/4 is 128,000 pixels.
        let jpeg = try ImageEncoder.encode(bytes: TestImages.paperRGB(width: 1600, height: 1280, ink: ink), width: 1600, height: 1280, bands: 3, as: .jpeg)
        XCTAssertNoThrow(try DecodeStage().with { $0.maxPixels = 130_000 }.decode(jpeg, defaultMinSide: 320))
        let luma = DecodeStage().with { $0.maxPixels = 120_000 }
        XCTAssertThrowsError(try luma.decode(jpeg, defaultMinSide: 320)) { XCTAssertEqual(($0 as? StageFailure)?.code, .tooLarge) }
        XCTAssertThrowsError(try luma.decode(jpeg, lumaOnly: true, defaultMinSide: 320)) { error in
            XCTAssertTrue((error as? StageFailure)?.message.contains("at 1/4 scale") == true, "\(error)")
        }
    }

    func testTruncatedJPEGFailsWithLibvipsMessage() throws {
        let rgb = TestImages.paperRGB(width: 300, height: 300, ink: ink)
        let jpeg = try ImageEncoder.encode(bytes: rgb, width: 300, height: 300, bands: 3, as: .jpeg)
        let truncated = Array(jpeg.prefix(jpeg.count / 2))
        XCTAssertThrowsError(try DecodeStage().decode(truncated)) { error in
            let failure = error as? StageFailure
            XCTAssertEqual(failure?.code, .decodeError)
            XCTAssertTrue(failure?.message.contains("Premature end") == true, failure?.message ?? "")
        }
    }

    func testRejectsEmptyAndNonImageData() {
        XCTAssertThrowsError(try DecodeStage().decode([])) { XCTAssertEqual(($0 as? StageFailure)?.code, .emptyFile) }
        XCTAssertThrowsError(try DecodeStage().decode(Array("hello, world".utf8))) { error in
            XCTAssertEqual((error as? StageFailure)?.code, .unsupportedFormat)
            XCTAssertTrue((error as? StageFailure)?.message.contains("hello, w") == true)
        }
    }

    func testConcurrentFailuresKeepTheirOwnMessages() throws {
        let rgb = TestImages.paperRGB(width: 200, height: 200, ink: ink)
        let jpeg = try ImageEncoder.encode(bytes: rgb, width: 200, height: 200, bands: 3, as: .jpeg)
        let truncated = Array(jpeg.prefix(jpeg.count / 2))
        let tooBig = try ImageEncoder.encode(bytes: rgb, width: 200, height: 200, bands: 3, as: .png)
        let messages = ParallelMap.results(count: 64, jobs: 64) { index in
            do {
                _ = try DecodeStage().with { $0.maxPixels = index % 2 == 0 ? 100_000_000 : 100 }.decode(index % 2 == 0 ? truncated : tooBig)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        for (index, message) in messages.enumerated() {
            let text = try XCTUnwrap(message?.get())
            if index % 2 == 0 {
                XCTAssertTrue(text.hasPrefix("decode_error") && text.contains("Premature end"), text)
                XCTAssertFalse(text.contains("max_pixels"), text)
            } else {
                XCTAssertTrue(text.hasPrefix("too_large"), text)
            }
        }
    }

    func testLumaOnlyJPEGMatchesFullDecodeForEveryOrientation() throws {
        let rgb = TestImages.paperRGB(width: 64, height: 48, ink: PixelRect(x: 5, y: 3, width: 20, height: 9))
        let fast = DecodeStage().with { $0.shrink = .fixed(1) }
        for orientation in 1...8 {
            let jpeg = try ImageEncoder.encode(bytes: rgb, width: 64, height: 48, bands: 3, as: .jpeg, quality: 95, orientation: orientation)
            let (luma, lumaContext) = try fast.decode(jpeg, lumaOnly: true)
            var (full, context) = try DecodeStage().with { $0.shrink = .fixed(1) }.decode(jpeg)
            full = try GrayscaleStage().apply(full, context: &context)
            XCTAssertEqual(luma.channels, 1)
            XCTAssertEqual([luma.width, luma.height], [full.width, full.height], "orientation \(orientation)")
            XCTAssertEqual(lumaContext, context, "orientation \(orientation)")
            let difference = zip(luma.pixels, full.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(luma.pixels.count)
            XCTAssertLessThan(difference, 1.5, "orientation \(orientation)")
        }
    }

    func testLumaOnlyPathShrinksAndRejectsTruncatedFiles() throws {
        let rgb = TestImages.paperRGB(width: 1600, height: 1280, ink: PixelRect(x: 400, y: 300, width: 200, height: 500))
        let jpeg = try ImageEncoder.encode(bytes: rgb, width: 1600, height: 1280, bands: 3, as: .jpeg)
        let fast = DecodeStage()
        let (raster, context) = try fast.decode(jpeg, lumaOnly: true, defaultMinSide: 320)
        XCTAssertEqual([raster.width, raster.height, context.decodeShrink], [400, 320, 4])
        XCTAssertEqual(raster[0, 0], 0.299 * 235 + 0.587 * 230 + 0.114 * 220, accuracy: 2)
        // PNG cannot shrink while loading: luma is box-averaged while converting instead.
        let png = try ImageEncoder.encode(bytes: rgb, width: 1600, height: 1280, bands: 3, as: .png)
        let (reduced, pngContext) = try fast.decode(png, lumaOnly: true, defaultMinSide: 320)
        XCTAssertEqual([reduced.width, reduced.height, reduced.channels, pngContext.decodeShrink], [400, 320, 1, 4])
        XCTAssertEqual(pngContext.scaleX, 4)
        XCTAssertEqual(reduced[0, 0], 0.299 * 235 + 0.587 * 230 + 0.114 * 220, accuracy: 0.01)
        XCTAssertEqual(reduced[100, 75], 0.299 * 20 + 0.587 * 20 + 0.114 * 60, accuracy: 0.01)
        // Over 16 MP, libvips averages the blocks while streaming rows.
        var big = [UInt8](repeating: 200, count: 4100 * 4000)
        for y in 1000..<3000 { for x in 2000..<2100 { big[y * 4100 + x] = 40 } }
        let bigPNG = try ImageEncoder.encode(bytes: big, width: 4100, height: 4000, bands: 1, as: .png)
        let (streamed, streamedContext) = try fast.decode(bigPNG, lumaOnly: true, defaultMinSide: 320)
        XCTAssertEqual(streamedContext.decodeShrink, 8)
        XCTAssertEqual(Double(streamed.width), 4100 / 8, accuracy: 1)
        XCTAssertEqual(streamed[10, 10], 200, accuracy: 0.5)
        XCTAssertEqual(streamed[256, 250], 40, accuracy: 0.5)
        XCTAssertThrowsError(try fast.decode(Array(jpeg.prefix(jpeg.count / 2)))) { error in
            let failure = error as? StageFailure
            XCTAssertEqual(failure?.code, .decodeError)
            XCTAssertTrue(failure?.message.contains("Premature end") == true, failure?.message ?? "")
        }
    }
}

/// A small letter on a large page is decoded a second time at a finer scale.
final class FinerDecodeTests: XCTestCase {
    static let yaml = """
        version: 1
        stages:
          - decode: {shrink: auto}
          - grayscale
          - invert: {mode: always}
          - crop_to_bbox: {threshold: 0.35, min_area: 4}
          - resize: {box: 20, kernel: cubic}
          - pad: {size: 28}
        """

    func page(letterSide: Int) throws -> [UInt8] {
        let strokes = TestImages.letterL(in: PixelRect(x: 1100, y: 1000, width: letterSide * 2 / 3, height: letterSide))
        let rgb = TestImages.paperRGB(width: 2400, height: 2400, strokes: strokes)
        return try ImageEncoder.encode(bytes: rgb, width: 2400, height: 2400, bands: 3, as: .jpeg, quality: 92)
    }

    func testSmallInkIsDecodedAgainAtAFinerScale() throws {
        let pipeline = Pipeline(configuration: try PipelineConfiguration.parse(yaml: Self.yaml))
        // 2400 px: the working scale is 1/4 (600 px); a 60 px letter is 15 px there, under
        // twice the 20 px box, so the file is decoded again at full scale.
        let small = try page(letterSide: 60)
        var stages: [String] = []
        let (image, context) = try pipeline.process(small) { name, _, _ in stages.append(name) }
        XCTAssertEqual(context.decodeShrink, 1)
        XCTAssertEqual(stages.filter { $0 == "decode" }.count, 1, "observers see only the pass that counts")
        var fullScale = try PipelineConfiguration.parse(yaml: Self.yaml)
        fullScale.decode.shrink = .fixed(1)
        XCTAssertEqual(try Pipeline(configuration: fullScale).process(small).image, image)
        // A 400 px letter is 100 px at 1/4: one pass.
        let (_, bigContext) = try pipeline.process(try page(letterSide: 400))
        XCTAssertEqual(bigContext.decodeShrink, 4)
    }
}
