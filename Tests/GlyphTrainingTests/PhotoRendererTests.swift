import Foundation
import XCTest
import GlyphImaging
import GlyphTestSupport
@testable import GlyphTraining
@testable import GlyphPipeline

/// The second renderer: deterministic, its ink where the strokes are, and really varied.
final class PhotoRendererTests: XCTestCase {
    /// Hand-drawn shapes different enough to tell apart after the pipeline.
    private static func sample(_ character: Character, writer: String = "w01", line: Int = 1) -> StrokeSample {
        typealias P = StrokeSample.Point
        let strokes: [[P]]
        switch character {
        case "L": strokes = [[P(x: 0, y: 0), P(x: 0, y: 40), P(x: 0, y: 80), P(x: 25, y: 80), P(x: 50, y: 80)]]
        case "T": strokes = [[P(x: 0, y: 0), P(x: 30, y: 0), P(x: 60, y: 0)], [P(x: 30, y: 0), P(x: 30, y: 40), P(x: 30, y: 80)]]
        default: // an "o": a closed loop
            strokes = [(0...16).map { k in
                let a = Double(k) / 16 * 2 * Double.pi
                return P(x: 30 + 28 * cos(a), y: 40 + 38 * sin(a))
            }]
        }
        return StrokeSample(writer: writer, character: character, strokes: strokes, line: line)
    }

    private static func render(_ sample: StrokeSample, seed: UInt64, stream: UInt64 = 0, bands: RenderBands = .rgb,
                        sizes: ClosedRange<Int> = 200...320) -> RenderedScan {
        var rng = SeededGenerator(seed: seed, stream: stream)
        return PhotoRenderer(parameters: PhotoRenderParameters(bands: bands, sizeRange: sizes)).render(sample, using: &rng)
    }

    func testSameSeedGivesTheSameBytesOnAnyNumberOfThreads() throws {
        let sample = Self.sample("o")
        func all(jobs: Int) throws -> [RenderedScan] {
            try ParallelMap.map(count: 12, jobs: jobs) { i in Self.render(sample, seed: 3, stream: UInt64(i)) }
        }
        let one = try all(jobs: 1), three = try all(jobs: 3)
        XCTAssertEqual(one, three)
        XCTAssertNotEqual(one[0].bytes, one[1].bytes)
        try VipsRuntime.start(threadsPerImage: 1)
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        let first = try PhotoRenderer().fileBytes(sample, using: &a), second = try PhotoRenderer().fileBytes(sample, using: &b)
        XCTAssertEqual(first, second)
        XCTAssertEqual(Array(first.prefix(2)), [0xFF, 0xD8], "a JPEG")
    }

    /// Sizes, bands and the ink box; the ink darker than the paper around it.
    func testOutputSizesBandsAndDarkInkInsideTheInkBox() {
        for seed in 0..<16 {
            let bands: RenderBands = seed % 4 == 0 ? .gray : .rgb
            let image = Self.render(Self.sample("L"), seed: UInt64(seed), bands: bands)
            XCTAssertTrue((200...320).contains(max(image.width, image.height)), "seed \(seed): \(image.width)×\(image.height)")
            XCTAssertEqual(image.bands, bands.count)
            XCTAssertEqual(image.bytes.count, image.width * image.height * bands.count)
            XCTAssertFalse(image.lightOnDark)
            let box = image.inkBox
            XCTAssertTrue(box.x >= 0 && box.y >= 0 && box.x + box.width <= image.width && box.y + box.height <= image.height)
            XCTAssertGreaterThan(box.width * box.height, 16, "seed \(seed): ink seen")
            let luma = image.raster().pixels.enumerated().filter { $0.offset % image.bands == 0 }.map(\.element)
            func at(_ x: Int, _ y: Int) -> Float { luma[y * image.width + x] }
            var inside: [Float] = []
            for y in box.y..<(box.y + box.height) { for x in box.x..<(box.x + box.width) { inside.append(at(x, y)) } }
            let darkest = inside.sorted()[inside.count / 50]
            // The paper just around the ink box.
            var ring: [Float] = []
            let left = max(0, box.x - 4), right = min(image.width - 1, box.x + box.width + 3)
            let top = max(0, box.y - 4), bottom = min(image.height - 1, box.y + box.height + 3)
            for x in left...right { ring += [at(x, top), at(x, bottom)] }
            for y in top...bottom { ring += [at(left, y), at(right, y)] }
            let paper = ring.sorted()[ring.count / 2]
            XCTAssertLessThan(darkest, paper - 25, "seed \(seed): ink \(darkest), paper \(paper)")
        }
    }

    /// Through the shipped letters pipeline, each photo looks like its own letter's clean
    /// rendering more than like the other letters'.
    func testInkIsWhereTheStrokesAre() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let pipeline = try TrainingPipeline(contentsOf: root.appendingPathComponent("pipelines/emnist.yaml")).pipeline
        try VipsRuntime.start(threadsPerImage: 1)
        let letters: [Character] = ["L", "T", "o"]
        func normalized(_ bytes: [UInt8]) throws -> [Float] {
            let image = try XCTUnwrap(try pipeline.process(bytes).image)
            return image.pixels
        }
        let clean = try letters.map { letter -> [Float] in
            var rng = SeededGenerator(seed: 1)
            let image = ScanRenderer.render(Self.sample(letter), parameters: .clean(side: 112), rng: &rng)
            return try normalized(try ImageEncoder.encode(bytes: image.bytes, width: image.width, height: image.height,
                                                          bands: 1, as: .png))
        }
        var right = 0, total = 0, ownSum = 0.0
        for (index, letter) in letters.enumerated() {
            for seed in 0..<8 {
                var rng = SeededGenerator(seed: UInt64(seed), stream: 7)
                let photo = try normalized(try PhotoRenderer(parameters: PhotoRenderParameters(sizeRange: 240...400))
                    .fileBytes(Self.sample(letter), using: &rng))
                let scores = clean.map { Self.correlation(photo, $0) }
                ownSum += scores[index]
                if scores.indices.max(by: { scores[$0] < scores[$1] }) == index { right += 1 }
                total += 1
            }
        }
        XCTAssertGreaterThanOrEqual(right, total - 4, "\(right) of \(total) photos closest to their own letter (chance: a third)")
        XCTAssertGreaterThan(ownSum / Double(total), 0.5)
    }

    private static func correlation(_ a: [Float], _ b: [Float]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / Float(n), mb = b.reduce(0, +) / Float(n)
        var ab = 0.0, aa = 0.0, bb = 0.0
        for (x, y) in zip(a, b) {
            ab += Double((x - ma) * (y - mb)); aa += Double((x - ma) * (x - ma)); bb += Double((y - mb) * (y - mb))
        }
        return ab / max((aa * bb).squareRoot(), 1e-12)
    }

    /// Different seeds draw every pen and every paper, and the photos differ in paper tone,
    /// ink colour and size.
    func testDifferentSeedsGiveDifferentPensPapersAndPhotos() {
        var pens = Set<String>(), papers = Set<String>()
        for seed in 0..<200 {
            var rng = SeededGenerator(seed: UInt64(seed))
            pens.insert("\(PhotoRenderer.Pen.choose(rng: &rng).kind)")
            papers.insert("\(PhotoRenderer.Paper(letter: (10, 12), pixelsPerMM: 8, rng: &rng).kind)")
        }
        XCTAssertEqual(pens.count, PhotoRenderer.Pen.Kind.allCases.count, "\(pens)")
        XCTAssertEqual(papers.count, PhotoRenderer.Paper.Kind.allCases.count, "\(papers)")

        var paperTones: [Float] = [], sizes = Set<Int>(), blueInk = 0
        for seed in 0..<24 {
            let image = Self.render(Self.sample("o"), seed: UInt64(seed))
            let pixels = image.bytes
            var luma: [(Float, Int)] = []
            for i in stride(from: 0, to: pixels.count, by: 3) {
                luma.append((0.299 * Float(pixels[i]) + 0.587 * Float(pixels[i + 1]) + 0.114 * Float(pixels[i + 2]), i))
            }
            luma.sort { $0.0 < $1.0 }
            paperTones.append(luma[luma.count / 2].0)
            let ink = luma.prefix(max(1, luma.count / 200)).map(\.1)
            let blue = ink.map { Int(pixels[$0 + 2]) - Int(pixels[$0]) }.reduce(0, +) / ink.count
            if blue > 25 { blueInk += 1 }
            sizes.insert(image.width)
        }
        let mean = paperTones.reduce(0, +) / Float(paperTones.count)
        let spread = (paperTones.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(paperTones.count)).squareRoot()
        XCTAssertGreaterThan(spread, 8, "paper tones \(paperTones)")
        XCTAssertGreaterThan(sizes.count, 12)
        XCTAssertTrue((3...21).contains(blueInk), "\(blueInk) of 24 with blue ink")
    }

    /// A writer's photos do not depend on which other writers are rendered with it.
    func testPhotoRouteStreamsBySampleIdentity() throws {
        let pipeline = try TrainingPipeline(text: TestImages.trainingPipelineYAML).pipeline
        let renderer = LetterDataRenderer(variants: 2, seed: 4, sizeRange: 200...260, jobs: 2)
        let w01 = Self.sample("L", writer: "w01", line: 3), w02 = Self.sample("T", writer: "w02", line: 3)
        let alone = try renderer.render([w02], route: .photo, pipelines: [pipeline])[0]
        let together = try renderer.render([w01, w02], route: .photo, pipelines: [pipeline])[0]
        XCTAssertEqual(together.map(\.writer), ["w01", "w02"])
        XCTAssertEqual(alone.first, together.last)
        let scan = try renderer.fileBytes(of: w02, sampleIndex: 0, variant: 0, route: .scan)
        let photo = try renderer.fileBytes(of: w02, sampleIndex: 0, variant: 0, route: .photo)
        XCTAssertNotEqual(scan, photo)
    }

    func testRendererListsParse() {
        XCTAssertEqual(try ScanRendererKind.parseList("scan, PHOTO,scan").get(), [.scan, .photo])
        XCTAssertThrowsError(try ScanRendererKind.parseList("scan,paint").get())
        XCTAssertThrowsError(try ScanRendererKind.parseList(" , ").get())
    }
}
