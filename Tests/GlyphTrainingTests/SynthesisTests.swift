import Foundation
import XCTest
@testable import GlyphTraining
@testable import GlyphImaging

final class SynthesisTests: XCTestCase {
    func testGlyphSizeOptionReachesTheRenderer() {
        var options = SynthesisOptions(strokesDirectory: URL(fileURLWithPath: "/strokes"), outputDirectory: URL(fileURLWithPath: "/out"))
        XCTAssertEqual(ScanSynthesizer.parameters(for: options, format: .jpeg).glyphSizeFraction, ScanRenderParameters().glyphSizeFraction)
        options.glyphSizeFraction = 0.08...0.6
        XCTAssertEqual(ScanSynthesizer.parameters(for: options, format: .jpeg).glyphSizeFraction, 0.08...0.6)
    }

    /// Two letters and a digit; CRLF, a bare CR and LF line ends; comments and pauses.
    static let unipen = ".LEXICON \"a\" \"b\"\r\n.COMMENT header\r\n\r\n"
        + ".SEGMENT CHARACTER 0 ? \"a\"\r\n.COMMENT Class [A]\r\n.PEN_DOWN\r\n 10  20\r\n 30  40\r\n.PEN_UP\r\n.DT 100\r"
        + ".PEN_DOWN\n 50 60\n.PEN_UP\n"
        + ".SEGMENT CHARACTER 1 ? \"7\"\n.PEN_DOWN\n 1 2\n 3 4\n.PEN_UP\n"
        + ".SEGMENT CHARACTER 2 ? \"Q\"\n.PEN_DOWN\n 100 100\n 200 100\n 200 300\n 100 300\n 100 120\n.PEN_UP\n"

    // MARK: Parser

    func testParserReadsSamplesStrokesAndCoordinates() throws {
        let samples = try UnipenParser.parse(Self.unipen, writer: "w09")
        XCTAssertEqual(samples.count, 3)
        XCTAssertEqual(samples.map(\.character), ["a", "7", "Q"])
        XCTAssertEqual(samples.map(\.classLabel), ["a", nil, "q"])
        XCTAssertEqual(samples.map(\.writer), ["w09", "w09", "w09"])
        XCTAssertEqual(samples[0].strokes.count, 2)
        XCTAssertEqual(samples[0].strokes[0], [.init(x: 10, y: 20), .init(x: 30, y: 40)])
        XCTAssertEqual(samples[0].strokes[1], [.init(x: 50, y: 60)])
        XCTAssertEqual(samples[0].line, 4)
        XCTAssertEqual(samples[2].strokes[0].count, 5)
        XCTAssertEqual(samples.filter(\.isLetter).count, 2)
    }

    func testParserReportsMalformedInputWithLineNumbers() {
        func error(_ text: String) -> UnipenParseError? {
            do {
                _ = try UnipenParser.parse(text, writer: "w01", source: "t")
                return nil
            } catch {
                return error
            }
        }
        let badPoint = error(".SEGMENT CHARACTER 0 ? \"a\"\n.PEN_DOWN\n 1 2\n 3 x\n.PEN_UP\n")
        XCTAssertEqual(badPoint?.line, 4)
        XCTAssertTrue(badPoint?.description.hasPrefix("t:4:") ?? false, "\(String(describing: badPoint))")
        XCTAssertEqual(error(".SEGMENT CHARACTER 0 ? \"a\"\n 1 2\n")?.line, 2)
        XCTAssertEqual(error(".SEGMENT CHARACTER 0 ? \"a\"\n.PEN_DOWN\n 1 2\n")?.line, 3)
        XCTAssertEqual(error(".PEN_DOWN\n 1 2\n.PEN_UP\n")?.line, 1)
        XCTAssertEqual(error(".SEGMENT CHARACTER 0 ?\n")?.line, 1)
        XCTAssertEqual(error(".SEGMENT CHARACTER 0 ? \"a\"\n.PEN_UP\n")?.line, 2)
        XCTAssertEqual(error(".SEGMENT CHARACTER 0 ? \"a\"\n.SEGMENT CHARACTER 0 ? \"b\"\n.PEN_DOWN\n1 1\n.PEN_UP\n")?.line, 1)
        XCTAssertNil(error(Self.unipen))
    }

    func testWriterIDAndDirectoryLoading() throws {
        XCTAssertEqual(UnipenParser.writerID(fromFileName: "UJIpenchars-w03"), "w03")
        XCTAssertNil(UnipenParser.writerID(fromFileName: "README.md"))
        let dir = try temporaryDirectory()
        try Data(Self.unipen.utf8).write(to: dir.appendingPathComponent("UJIpenchars-w02"))
        try Data(Self.unipen.utf8).write(to: dir.appendingPathComponent("UJIpenchars-w01"))
        try Data("notes".utf8).write(to: dir.appendingPathComponent("README.md"))
        let all = try UnipenParser.loadDirectory(dir)
        XCTAssertEqual(all.map(\.writer), ["w01", "w01", "w02", "w02"])
        XCTAssertEqual(try UnipenParser.loadDirectory(dir, writers: ["w02"]).count, 2)
        XCTAssertEqual(try UnipenParser.loadDirectory(dir, lettersOnly: false).count, 6)
        XCTAssertThrowsError(try UnipenParser.loadDirectory(dir, writers: ["w05"]))
    }

    // MARK: Random numbers

    func testSeededGeneratorIsDeterministic() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let sa = (0..<8).map { _ in a.next() }, sb = (0..<8).map { _ in b.next() }, sc = (0..<8).map { _ in c.next() }
        XCTAssertEqual(sa, sb)
        XCTAssertNotEqual(sa, sc)
        var s1 = SeededGenerator(seed: 42, stream: 1)
        XCTAssertNotEqual(sa, (0..<8).map { _ in s1.next() })
        var r = SeededGenerator(seed: 5)
        for _ in 0..<1000 {
            let u = r.unit()
            XCTAssertTrue(u >= 0 && u < 1)
            XCTAssertTrue((0..<7).contains(r.index(below: 7)))
            XCTAssertTrue((2...3).contains(r.integer(in: 2...3)))
        }
    }

    // MARK: Renderer

    private func sample() throws -> StrokeSample {
        try XCTUnwrap(UnipenParser.parse(Self.unipen, writer: "w01").last)
    }

    private func plainScan(_ bands: RenderBands = .rgb) -> ScanRenderParameters {
        var p = ScanRenderParameters(bands: bands, sizeRange: 200...260)
        p.chalkboardProbability = 0
        p.ruledPaperProbability = 0
        p.shadowProbability = 0
        p.deskProbability = 0
        p.vignette = 0...0
        p.lightingGradient = 0...0
        return p
    }

    func testRenderingIsDeterministic() throws {
        let s = try sample()
        var r1 = SeededGenerator(seed: 9), r2 = SeededGenerator(seed: 9), r3 = SeededGenerator(seed: 10)
        let p = ScanRenderParameters(sizeRange: 200...300)
        let a = ScanRenderer.render(s, parameters: p, rng: &r1)
        let b = ScanRenderer.render(s, parameters: p, rng: &r2)
        let c = ScanRenderer.render(s, parameters: p, rng: &r3)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.bytes, c.bytes)
    }

    func testCleanModeDrawsWhiteStrokesCentredOnBlack() throws {
        var rng = SeededGenerator(seed: 1)
        let image = ScanRenderer.render(try sample(), parameters: .clean(side: 28), rng: &rng)
        XCTAssertEqual([image.width, image.height, image.bands], [28, 28, 1])
        XCTAssertGreaterThan(image.bytes.filter { $0 > 200 }.count, 20, "bright stroke pixels")
        for i in 0..<28 {
            for j in [0, 1, 26, 27] {
                XCTAssertEqual(image.bytes[i * 28 + j], 0, "border column at row \(i)")
                XCTAssertEqual(image.bytes[j * 28 + i], 0, "border row at column \(i)")
            }
        }
        // The square glyph's ink is centred.
        var sx = 0.0, sy = 0.0, total = 0.0
        for y in 0..<28 { for x in 0..<28 {
            let v = Double(image.bytes[y * 28 + x])
            sx += v * Double(x); sy += v * Double(y); total += v
        } }
        XCTAssertEqual(sx / total, 13.5, accuracy: 2)
        XCTAssertEqual(sy / total, 13.5, accuracy: 2)
        // The centre of the square outline ("Q" is a box here) stays empty.
        XCTAssertEqual(image.bytes[14 * 28 + 14], 0)
    }

    func testScanModeDrawsDarkInkOnLightPaperInsideTheInkBox() throws {
        let s = try sample()
        for seed in 0..<20 {
            var rng = SeededGenerator(seed: UInt64(seed))
            let image = ScanRenderer.render(s, parameters: plainScan(.gray), rng: &rng)
            XCTAssertEqual(image.bands, 1)
            XCTAssertFalse(image.lightOnDark)
            let box = image.inkBox
            XCTAssertGreaterThan(box.width, 0)
            var inside: [UInt8] = [], outside: [UInt8] = []
            for y in 0..<image.height {
                for x in 0..<image.width {
                    let v = image.bytes[y * image.width + x]
                    if x >= box.x, x < box.x + box.width, y >= box.y, y < box.y + box.height {
                        inside.append(v)
                    } else {
                        outside.append(v)
                    }
                }
            }
            let paper = outside.sorted()[outside.count / 2]
            XCTAssertGreaterThan(paper, 110, "paper is light (seed \(seed))")
            let darkest = inside.min() ?? 255
            XCTAssertLessThan(Int(darkest), Int(paper) - 25, "ink is clearly darker than paper (seed \(seed))")
            XCTAssertGreaterThan(Int(outside.min() ?? 0), Int(darkest), "no ink outside the ink box (seed \(seed))")
        }
    }

    func testTransparentOutputHasClearBackgroundAndOpaqueInk() throws {
        for seed in 0..<10 {
            var rng = SeededGenerator(seed: UInt64(seed))
            let image = ScanRenderer.render(try sample(), parameters: plainScan(.rgba), rng: &rng)
            XCTAssertEqual(image.bands, 4)
            XCTAssertEqual(image.bytes[3], 0, "top-left corner is transparent (seed \(seed))")
            XCTAssertEqual(image.bytes[image.bytes.count - 1], 0, "bottom-right corner is transparent (seed \(seed))")
            let alphas = stride(from: 3, to: image.bytes.count, by: 4).map { image.bytes[$0] }
            XCTAssertGreaterThanOrEqual(alphas.max() ?? 0, 250, "stroke cores are opaque (seed \(seed))")
            XCTAssertGreaterThan(alphas.filter { $0 > 0 }.count, 30, "ink drawn (seed \(seed))")
            XCTAssertGreaterThan(alphas.filter { $0 == 0 }.count, alphas.count / 2, "mostly transparent (seed \(seed))")
        }
    }

    func testEveryOutputFormatEncodesAndDecodes() throws {
        try VipsRuntime.start()
        let s = try sample()
        for format in SynthOutputFormat.allCases {
            var rng = SeededGenerator(seed: 11)
            var p = ScanRenderParameters(bands: format.bands, sizeRange: 120...160)
            p.chalkboardProbability = 0
            let image = ScanRenderer.render(s, parameters: p, rng: &rng)
            let file = try ImageEncoder.encode(bytes: image.bytes, width: image.width, height: image.height,
                                               bands: image.bands, as: format.fileFormat, quality: 85)
            let decoded = try ImageDecoder.storedPixels(file)
            XCTAssertEqual(decoded.width, image.width, "\(format)")
            XCTAssertEqual(decoded.height, image.height, "\(format)")
            XCTAssertEqual(decoded.bands, image.bands, "\(format)")
            XCTAssertEqual(decoded.bytes.count, image.bytes.count, "\(format)")
        }
    }

    func testRasterFlattensTransparentOutputOntoWhite() throws {
        var rng = SeededGenerator(seed: 3)
        let image = ScanRenderer.render(try sample(), parameters: plainScan(.rgba), rng: &rng)
        let raster = image.raster()
        XCTAssertEqual(raster.channels, 3)
        XCTAssertEqual(raster.pixels[0], 255, "transparent corner becomes white")
        XCTAssertLessThan(raster.pixels.min() ?? 255, 160, "ink stays dark")
        var clean = SeededGenerator(seed: 3)
        XCTAssertEqual(ScanRenderer.render(try sample(), parameters: .clean(), rng: &clean).raster().channels, 1)
    }

    func testSmoothingKeepsEndsAndStaysInsideThePoints() {
        let corner = [PixelPoint(x: 0, y: 0), PixelPoint(x: 40, y: 0), PixelPoint(x: 40, y: 40), PixelPoint(x: 40, y: 40)]
        let smooth = ScanRenderer.smoothed(corner, step: 3)
        XCTAssertGreaterThan(smooth.count, 8)
        XCTAssertEqual(smooth.first, corner.first)
        XCTAssertEqual(smooth.last, corner.last)
        for p in smooth {
            XCTAssertTrue((0...40).contains(p.x) && (0...40).contains(p.y), "\(p)")
        }
        XCTAssertEqual(ScanRenderer.smoothed([PixelPoint(x: 1, y: 1), PixelPoint(x: 1, y: 1)]).count, 1, "repeats dropped")
    }

    func testFormatListsWithSizeCaps() throws {
        let specs = try SynthOutputFormat.parseSpecs("jpeg, gray-jpeg,png@420,jpg")
        XCTAssertEqual(specs.formats, [.jpeg, .grayJPEG, .png, .jpeg])
        XCTAssertEqual(specs.maxSizes, [.png: 420])
        XCTAssertThrowsError(try SynthOutputFormat.parseSpecs("png@x"))
        XCTAssertThrowsError(try SynthOutputFormat.parseSpecs("bmp"))
        XCTAssertThrowsError(try SynthOutputFormat.parseSpecs(""))
        let options = SynthesisOptions(strokesDirectory: URL(fileURLWithPath: "/"), outputDirectory: URL(fileURLWithPath: "/"),
                                       sizeRange: 400...1600, formats: specs.formats, formatMaxSizes: specs.maxSizes)
        XCTAssertEqual(ScanSynthesizer.parameters(for: options, format: .png).sizeRange, 400...420)
        XCTAssertEqual(ScanSynthesizer.parameters(for: options, format: .jpeg).sizeRange, 400...1600)
    }

    /// `synth --classes digits` draws the digits, labelled 0–9, and no letters.
    func testPlanDrawsDigitsWhenAsked() throws {
        let samples = ["7", "a", "0", "Q"].enumerated().map { index, character in
            StrokeSample(writer: "w01", character: Character(character), strokes: [[.init(x: 0, y: 0), .init(x: 9, y: 9)]], line: index)
        }
        var options = SynthesisOptions(strokesDirectory: URL(fileURLWithPath: "/"), outputDirectory: URL(fileURLWithPath: "/"), count: 4)
        XCTAssertEqual(try ScanSynthesizer.plan(samples, options: options).map(\.label).sorted(), ["a", "a", "q", "q"])
        options.classes = .digits
        let digits = try ScanSynthesizer.plan(samples, options: options)
        XCTAssertEqual(digits.map(\.label).sorted(), ["0", "0", "7", "7"])
        XCTAssertTrue(digits.allSatisfy { $0.relativePath.hasPrefix("w01_\($0.label)_") }, "\(digits.map(\.relativePath))")
    }

    /// The real UJI files, where this machine has them (shared/data/uji beside the repository).
    func testRealUJIFilesParse() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [root.deletingLastPathComponent().appendingPathComponent("shared/data/uji"),
                          URL(fileURLWithPath: "/work/shared/data/uji")]
        guard let directory = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent("UJIpenchars-w01").path) }) else {
            throw XCTSkip("UJI data not present")
        }
        let samples = try UnipenParser.loadDirectory(directory, writers: ["w01", "w07"])
        XCTAssertEqual(samples.count, 208, "104 letters per writer")
        XCTAssertEqual(Set(samples.compactMap(\.classLabel)).count, 26)
        XCTAssertTrue(samples.allSatisfy { !$0.strokes.isEmpty && $0.strokes.allSatisfy { !$0.isEmpty } })
        let all = try UnipenParser.loadDirectory(directory, writers: ["w01"], lettersOnly: false)
        XCTAssertEqual(all.count, 124)
    }

    // MARK: Synthesizer

    func testSynthesisWritesLabelledFilesDeterministically() throws {
        let strokes = try temporaryDirectory()
        try Data(Self.unipen.utf8).write(to: strokes.appendingPathComponent("x-w01"))
        try Data(Self.unipen.utf8).write(to: strokes.appendingPathComponent("x-w02"))
        func run(seed: UInt64) throws -> (URL, [String: Data]) {
            let out = try temporaryDirectory()
            let options = SynthesisOptions(
                strokesDirectory: strokes, outputDirectory: out, count: 6, seed: seed,
                writers: ["w01", "w02"], sizeRange: 100...140,
                formats: [.jpeg, .grayJPEG, .pngAlpha], batchSize: 4, jobs: 2)
            let summary = try ScanSynthesizer.run(options)
            XCTAssertEqual(summary.items.count, 6)
            var files: [String: Data] = [:]
            let walker = FileManager.default.enumerator(at: out, includingPropertiesForKeys: nil)
            while let url = walker?.nextObject() as? URL {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    files[String(url.path.dropFirst(out.path.count + 1))] = try Data(contentsOf: url)
                }
            }
            return (out, files)
        }
        let (_, first) = try run(seed: 5)
        let (_, again) = try run(seed: 5)
        let (_, other) = try run(seed: 6)
        XCTAssertEqual(first.count, 7, "6 images + labels.csv, no temporary files: \(first.keys.sorted())")
        XCTAssertEqual(first, again, "same seed, same bytes")
        XCTAssertNotEqual(first.filter { $0.key != "labels.csv" }.values.sorted { $0.count < $1.count },
                          other.filter { $0.key != "labels.csv" }.values.sorted { $0.count < $1.count })
        let csv = try XCTUnwrap(first["labels.csv"].flatMap { String(data: $0, encoding: .utf8) })
        let rows = csv.split(separator: "\n").map(String.init)
        XCTAssertEqual(rows.first, "file,label")
        XCTAssertEqual(rows.count, 7)
        for row in rows.dropFirst() {
            let parts = row.split(separator: ",").map(String.init)
            XCTAssertEqual(parts.count, 2)
            XCTAssertNotNil(first[parts[0]], "listed file exists: \(parts[0])")
            XCTAssertTrue(["a", "q"].contains(parts[1]))
            XCTAssertTrue(parts[0].range(of: #"^(batch2/)?w0[12]_[aq]_00[0-5]\.(jpg|png)$"#, options: .regularExpression) != nil, parts[0])
        }
        XCTAssertEqual(rows.filter { $0.hasPrefix("batch2/") }.count, 2)
    }

    func testUsedOutputFolderIsRefusedUnlessOverwritten() throws {
        let strokes = try temporaryDirectory()
        try Data(Self.unipen.utf8).write(to: strokes.appendingPathComponent("x-w01"))
        let out = try temporaryDirectory()
        var options = SynthesisOptions(strokesDirectory: strokes, outputDirectory: out, count: 4, sizeRange: 60...80, jobs: 1)
        _ = try ScanSynthesizer.run(options)
        options.count = 2
        XCTAssertThrowsError(try ScanSynthesizer.run(options)) { error in
            XCTAssertTrue("\(error)".contains("--overwrite"), "\(error)")
        }
        options.overwrite = true
        _ = try ScanSynthesizer.run(options)
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        XCTAssertEqual(names.count, 3, "2 images + labels.csv, nothing of the earlier 4: \(names)")
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synth-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
