import Dispatch
import Foundation
import GlyphImaging
import GlyphPipeline

/// How training and evaluation letters are drawn from pen strokes before the pipeline sees them.
public enum LetterRoute: String, Sendable, CaseIterable {
    /// Realistic phone photos / scans (`ScanRenderParameters`), encoded as JPEG or PNG files.
    case scan
    /// Ideal renderings (`ScanRenderParameters.clean`), white on black, encoded as PNG.
    case clean
    /// Phone photos from the second, independently written renderer (`PhotoRenderer`), as
    /// phone JPEGs; for scoring on renderings nothing was tuned on.
    case photo
}

/// The pipeline's 28×28 outputs for one writer's letters, kept as 8-bit pixels.
public struct WriterImages: Sendable, Equatable {
    public var writer: String
    public var side: Int
    /// `count` images of side×side bytes, row-major, ink bright (0…255).
    public var pixels: [UInt8]
    /// Class index per image (0 = a … 25 = z).
    public var labels: [Int]
    /// True where the pipeline failed (e.g. no ink found); such images are black and count as
    /// misclassified in evaluations.
    public var failed: [Bool]

    public init(writer: String, side: Int, pixels: [UInt8] = [], labels: [Int] = [], failed: [Bool] = []) {
        self.writer = writer
        self.side = side
        self.pixels = pixels
        self.labels = labels
        self.failed = failed
    }

    public var count: Int { labels.count }
    public var failures: Int { failed.filter { $0 }.count }

    /// The images as trainer input; `includeFailed` false drops the failed ones.
    public func labeledImages(includeFailed: Bool) throws -> LabeledImages {
        let size = side * side
        var bytes: [UInt8] = []
        var kept: [Int] = []
        bytes.reserveCapacity(pixels.count)
        for i in 0..<count where includeFailed || !failed[i] {
            bytes.append(contentsOf: pixels[(i * size)..<((i + 1) * size)])
            kept.append(labels[i])
        }
        return try LabeledImages(width: side, height: side, bytes: bytes, labels: kept)
    }
}

extension LabeledImages {
    /// All images of `sets` (failed ones left out), in order.
    public static func combining(_ sets: [WriterImages], side: Int = 28) throws -> LabeledImages {
        var bytes: [UInt8] = []
        var labels: [Int] = []
        for set in sets {
            guard set.side == side else { throw TrainingError.invalidData("\(set.writer): images are \(set.side) px, expected \(side)") }
            let size = side * side
            for i in 0..<set.count where !set.failed[i] {
                bytes.append(contentsOf: set.pixels[(i * size)..<((i + 1) * size)])
                labels.append(set.labels[i])
            }
        }
        return try LabeledImages(width: side, height: side, bytes: bytes, labels: labels)
    }

    /// `self` followed by the images of `other` (same shape).
    public func appending(_ other: LabeledImages) throws -> LabeledImages {
        guard other.shape == shape else { throw TrainingError.invalidData("cannot join \(other.shape) images to \(shape)") }
        return try LabeledImages(shape: shape, pixels: pixels + other.pixels, labels: labels + other.labels)
    }
}

/// One effect of the scan renderer switched off, to measure what it costs a classifier.
/// Ranges collapse to a point (so the renderer draws the same random numbers and every other
/// choice stays as it was) and probabilities become 0.
public enum ScanAblation: String, Sendable, CaseIterable {
    case baseline, slant, rotation, keystone, jitter, geometry, pen, pressure, smallGlyph = "small-glyph", blur, noise,
         lighting, shadow, ruled, chalkboard, desk, jpeg, all

    /// Switches the effect off in `parameters`.
    public func apply(to parameters: inout ScanRenderParameters) {
        switch self {
        case .baseline, .jpeg: break
        case .slant: parameters.slant = 0...0
        case .rotation: parameters.rotationDegrees = 0...0
        case .keystone: parameters.keystone = 0...0
        case .jitter: parameters.jitterFraction = 0...0
        case .geometry:
            for effect in [Self.slant, .rotation, .keystone, .jitter] { effect.apply(to: &parameters) }
        case .pen: parameters.penWidthFraction = 0.05...0.05
        case .pressure: parameters.pressureVariation = 0...0
        case .smallGlyph: parameters.glyphSizeFraction = 0.4...0.6
        case .blur: parameters.blurFraction = 0...0
        case .noise: parameters.noiseSigma = 0...0
        case .lighting:
            parameters.exposure = 1...1
            parameters.lightingGradient = 0...0
            parameters.vignette = 0...0
        case .shadow: parameters.shadowProbability = 0
        case .ruled: parameters.ruledPaperProbability = 0
        case .chalkboard: parameters.chalkboardProbability = 0
        case .desk: parameters.deskProbability = 0
        case .all:
            for effect in Self.allCases where effect != .all && effect != .baseline { effect.apply(to: &parameters) }
        }
    }
}

/// Renders pen-stroke letters as image files in memory and runs them through pipelines, the
/// same way `glyphprep run` processes files on disk.
///
/// Every (sample, variant) pair has its own random stream derived from `seed`, and results are
/// stored by index, so the output does not depend on `jobs`.
public struct LetterDataRenderer: Sendable {
    /// Renders per stroke sample.
    public var variants: Int
    public var seed: UInt64
    /// Long side of the scans in pixels.
    public var sizeRange: ClosedRange<Int>
    /// Side of the clean renderings.
    public var cleanSide: Int
    /// Pen width of the clean renderings as a fraction of their side (a mid-range pen).
    public var cleanPenWidthFraction: Double = 0.04
    /// Rendering threads.
    public var jobs: Int
    /// Scan route: one effect of the renderer switched off (diagnostics); nil renders as usual.
    public var ablation: ScanAblation?
    /// The classes images are labelled with.
    public var classes: TrainingClasses = .letters
    /// Label every sample with the rejection class; samples that are no negative example are skipped.
    public var asRejections = false
    /// Characters never rendered as negative examples (drawn like one of the classes); nil:
    /// the class set's `defaultLookalikes`.
    public var lookalikes: Set<Character>?

    public init(variants: Int = 16, seed: UInt64 = 1, sizeRange: ClosedRange<Int> = 300...900,
                cleanSide: Int = 112, jobs: Int = 2) {
        self.variants = variants
        self.seed = seed
        self.sizeRange = sizeRange
        self.cleanSide = cleanSide
        self.jobs = jobs
    }

    /// The 26 letter names, `a`…`z`.
    public static let labels: [String] = EMNISTLetters.labels

    /// The class index of `sample`, or nil when it is not rendered.
    public func label(of sample: StrokeSample) -> Int? {
        asRejections ? classes.rejectionIndex(of: sample.character, lookalikes: lookalikes) : classes.classIndex(of: sample.character)
    }

    /// Encoded file bytes of variant `variant` of `sample` along `route`.
    public func fileBytes(of sample: StrokeSample, sampleIndex: Int, variant: Int, route: LetterRoute) throws -> [UInt8] {
        let stream = UInt64(sampleIndex) &* UInt64(max(variants, 1)) &+ UInt64(variant) &+ 1
        var rng = SeededGenerator(seed: seed &+ (route == .clean ? 0x5EED_C1EA : 0), stream: stream)
        switch route {
        case .photo:
            // Streams by the sample's identity, so a writer's photos do not depend on which
            // other writers are rendered with it.
            var photoRNG = SeededGenerator(seed: seed &+ 0x9407_0CAE,
                                           stream: Self.identity(of: sample) &* UInt64(max(variants, 1)) &+ UInt64(variant))
            let bands: RenderBands = photoRNG.chance(0.15) ? .gray : .rgb
            let renderer = PhotoRenderer(parameters: PhotoRenderParameters(bands: bands, sizeRange: sizeRange))
            return try renderer.fileBytes(sample, using: &photoRNG)
        case .clean:
            var parameters = ScanRenderParameters.clean(side: cleanSide)
            parameters.cleanPenWidthFraction = cleanPenWidthFraction
            let image = ScanRenderer.render(sample, parameters: parameters, rng: &rng)
            return try ImageEncoder.encode(bytes: image.bytes, width: image.width, height: image.height,
                                           bands: image.bands, as: .png)
        case .scan:
            var png = rng.chance(0.25)
            let quality = rng.integer(in: 70...92)
            let bands: RenderBands = rng.chance(0.2) ? .gray : .rgb
            var parameters = ScanRenderParameters(bands: bands, sizeRange: sizeRange)
            if let ablation {
                ablation.apply(to: &parameters)
                if ablation == .jpeg || ablation == .all { png = true }
            }
            let image = ScanRenderer.render(sample, parameters: parameters, rng: &rng)
            return try ImageEncoder.encode(bytes: image.bytes, width: image.width, height: image.height,
                                           bands: image.bands, as: png ? .png : .jpeg, quality: quality)
        }
    }

    /// FNV-1a of the sample's writer, file line and character.
    static func identity(of sample: StrokeSample) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(sample.writer):\(sample.line):\(sample.character)".utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// Renders `variants` files of every letter sample along `route` and runs each file through
    /// every pipeline in `pipelines`; returns, per pipeline, the images grouped by writer
    /// (writers in sorted order).
    public func render(_ samples: [StrokeSample], route: LetterRoute, pipelines: [Pipeline],
                       progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> [[WriterImages]] {
        let letters = samples.compactMap { sample in label(of: sample).map { (sample, $0) } }
        guard !letters.isEmpty else { throw TrainingError.invalidData("no \(classes.sampleName) samples to render") }
        guard variants > 0 else { throw TrainingError.invalidConfiguration("variants must be positive") }
        let sides = pipelines.map(\.targetSide)
        try VipsRuntime.start(threadsPerImage: 1)

        let total = letters.count * variants
        let outcomes = ParallelMap.results(count: total, jobs: jobs, stopOnError: true) { index -> [[UInt8]?] in
            let (sample, _) = letters[index / variants]
            defer { if let progress, index % 500 == 499 { progress(index + 1, total) } }
            do {
                let bytes = try fileBytes(of: sample, sampleIndex: index / variants, variant: index % variants, route: route)
                return pipelines.enumerated().map { p, pipeline in
                    guard let image = try? pipeline.process(bytes).image,
                          image.channels == 1, image.width == sides[p], image.height == sides[p] else { return nil }
                    return image.bytes()
                }
            } catch {
                throw TrainingError.invalidData("\(sample.writer) '\(sample.character)' (line \(sample.line)): \(error)")
            }
        }
        let stored = try outcomes.map { try $0?.get() }

        let writers = Array(Set(letters.map(\.0.writer))).sorted()
        return pipelines.indices.map { p in
            let side = sides[p]
            var byWriter = Dictionary(uniqueKeysWithValues: writers.map { ($0, WriterImages(writer: $0, side: side)) })
            for index in 0..<total {
                let (sample, label) = letters[index / variants]
                let output = stored[index]?[p]
                byWriter[sample.writer]?.pixels.append(contentsOf: output ?? [UInt8](repeating: 0, count: side * side))
                byWriter[sample.writer]?.labels.append(label)
                byWriter[sample.writer]?.failed.append(output == nil)
            }
            return writers.compactMap { byWriter[$0] }
        }
    }
}


extension LabeledFolder {
    /// The images of a labelled folder (`labels.csv` or one subfolder per letter) run through
    /// `pipeline`, as letter classes `a`…`z` (either case). Files the pipeline fails on are left
    /// out; their count is returned with the images.
    public static func letterImages(root: URL, pipeline: Pipeline) throws -> (images: LabeledImages, failed: Int) {
        let index = try index(root: root)
        let side = pipeline.targetSide
        var bytes: [UInt8] = []
        var labels: [Int] = []
        var failed = index.missing.count
        try VipsRuntime.start(threadsPerImage: 1)
        for file in index.samples {
            guard let character = file.label.first, file.label.count == 1,
                  let letter = StrokeSample.letterClass(of: character),
                  let label = LetterDataRenderer.labels.firstIndex(of: String(letter)) else {
                throw TrainingError.invalidData("\(file.relativePath): label '\(file.label)' is not a letter a–z")
            }
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(file.relativePath).path),
                  let image = try? pipeline.process([UInt8](data)).image,
                  image.channels == 1, image.width == side, image.height == side else {
                failed += 1
                continue
            }
            bytes.append(contentsOf: image.bytes())
            labels.append(label)
        }
        return (try LabeledImages(width: side, height: side, bytes: bytes, labels: labels), failed)
    }
}
