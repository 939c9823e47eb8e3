import Dispatch
import Foundation
import GlyphImaging
import GlyphPipeline

/// An output kind of `glyphprep synth`: a file format plus the pixel layout written into it.
public enum SynthOutputFormat: String, Sendable, CaseIterable {
    case jpeg
    case grayJPEG = "gray-jpeg"
    case png
    case grayPNG = "gray-png"
    case pngAlpha = "png-alpha"
    case webp
    case tiff

    public var fileFormat: ImageFileFormat {
        switch self {
        case .jpeg, .grayJPEG: .jpeg
        case .png, .grayPNG, .pngAlpha: .png
        case .webp: .webp
        case .tiff: .tiff
        }
    }

    public var bands: RenderBands {
        switch self {
        case .grayJPEG, .grayPNG: .gray
        case .pngAlpha: .rgba
        case .jpeg, .png, .webp, .tiff: .rgb
        }
    }

    /// Parses a comma-separated list such as `jpeg,gray-jpeg,png-alpha`.
    public static func parseList(_ text: String) throws(SynthesisError) -> [SynthOutputFormat] {
        try parseSpecs(text).formats
    }

    /// Parses a comma-separated list whose entries may cap that format's long side, e.g.
    /// `jpeg,png@600` (PNG photos are large, so a repository may want them smaller).
    public static func parseSpecs(_ text: String) throws(SynthesisError) -> (formats: [SynthOutputFormat], maxSizes: [SynthOutputFormat: Int]) {
        var formats: [SynthOutputFormat] = []
        var maxSizes: [SynthOutputFormat: Int] = [:]
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !entry.isEmpty {
            let parts = entry.split(separator: "@", omittingEmptySubsequences: false).map(String.init)
            let name = parts[0]
            guard parts.count <= 2, let format = SynthOutputFormat(rawValue: name == "jpg" ? "jpeg" : name) else {
                throw SynthesisError("unknown format \"\(entry)\"; expected one of \(allCases.map(\.rawValue).joined(separator: ", ")), optionally with @MAXSIZE")
            }
            if parts.count == 2 {
                guard let cap = Int(parts[1]), cap >= 8 else {
                    throw SynthesisError("bad size cap in \"\(entry)\"; expected e.g. png@600")
                }
                if let previous = maxSizes[format], previous != cap {
                    throw SynthesisError("conflicting size caps for \(format.rawValue)")
                }
                maxSizes[format] = cap
            }
            formats.append(format)
        }
        if formats.isEmpty { throw SynthesisError("no output formats given") }
        return (formats, maxSizes)
    }
}

/// A failure of a synthesis run, with a message for the user.
public struct SynthesisError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// What `glyphprep synth` should produce.
public struct SynthesisOptions: Sendable {
    public var strokesDirectory: URL
    public var outputDirectory: URL
    /// Images to write; nil: one per selected letter sample.
    public var count: Int?
    public var seed: UInt64
    /// Writer ids (`w01` …) to draw from; nil: all.
    public var writers: [String]?
    /// Long side in pixels (clean mode: the square side). nil: 300…1200 (clean: 28).
    public var sizeRange: ClosedRange<Int>?
    /// Cycled image by image.
    public var formats: [SynthOutputFormat]
    /// Per-format caps on the long side (the size range is clamped to them).
    public var formatMaxSizes: [SynthOutputFormat: Int]
    /// Ideal renderings instead of photos (white on black, centred, no noise).
    public var clean: Bool
    /// Clean mode: stroke width as a fraction of the side; nil: the renderer's default (0.09).
    public var cleanPenWidth: Double?
    /// With a batch size N, images N…2N−1 go to `batch2/`, the next N to `batch3/`, and so on.
    public var batchSize: Int?
    /// Images rendered at once (each has its own random stream, so output does not depend on it).
    public var jobs: Int
    /// Empty an output directory that holds an earlier synth output first (otherwise it is refused).
    public var overwrite = false
    /// What to draw: the letters (default) or the digits of the stroke files, labelled `a`…`z` or `0`…`9`.
    public var classes: TrainingClasses = .letters
    /// `scan` (`ScanRenderer`) or `photo` (`PhotoRenderer`; clean renderings are always `ScanRenderer`'s).
    public var renderer: ScanRendererKind = .scan
    /// The glyph's larger extent as a fraction of the image's short side; nil: the renderer's
    /// default (0.15…0.60).
    public var glyphSizeFraction: ClosedRange<Double>?

    public init(
        strokesDirectory: URL, outputDirectory: URL, count: Int? = nil, seed: UInt64 = 1,
        writers: [String]? = nil, sizeRange: ClosedRange<Int>? = nil,
        formats: [SynthOutputFormat] = [.jpeg], formatMaxSizes: [SynthOutputFormat: Int] = [:], clean: Bool = false, cleanPenWidth: Double? = nil,
        batchSize: Int? = nil,
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.strokesDirectory = strokesDirectory
        self.outputDirectory = outputDirectory
        self.count = count
        self.seed = seed
        self.writers = writers
        self.sizeRange = sizeRange
        self.formats = formats
        self.formatMaxSizes = formatMaxSizes
        self.clean = clean
        self.cleanPenWidth = cleanPenWidth
        self.batchSize = batchSize
        self.jobs = jobs
    }
}

/// One planned output image.
public struct SynthesisItem: Sendable, Equatable {
    /// Path relative to the output directory, `/`-separated.
    public var relativePath: String
    public var sample: StrokeSample
    public var format: SynthOutputFormat
    /// The random stream the image is drawn from.
    public var stream: UInt64
    public var label: Character
}

/// The result of a synthesis run.
public struct SynthesisSummary: Sendable {
    public var items: [SynthesisItem]
    public var seconds: Double
    public var labelsFile: URL
}

/// Renders stroke samples to image files plus `labels.csv` (`file,label`), deterministically:
/// the same options give byte-identical files. Every file is written atomically.
public enum ScanSynthesizer {
    /// The renderer parameters a run uses for `format`.
    public static func parameters(for options: SynthesisOptions, format: SynthOutputFormat) -> ScanRenderParameters {
        var range = options.sizeRange ?? (options.clean ? 28...28 : 300...1200)
        if let cap = options.formatMaxSizes[format] {
            range = min(range.lowerBound, cap)...min(range.upperBound, cap)
        }
        if options.clean {
            var p = ScanRenderParameters.clean(side: 28)
            p.sizeRange = range
            p.bands = format.bands
            if let width = options.cleanPenWidth { p.cleanPenWidthFraction = width }
            return p
        }
        var p = ScanRenderParameters(bands: format.bands, sizeRange: range)
        if let fraction = options.glyphSizeFraction { p.glyphSizeFraction = fraction }
        return p
    }

    /// The second renderer as a run uses it for `format` (the same sizes as the first).
    public static func photoRenderer(for options: SynthesisOptions, format: SynthOutputFormat) -> PhotoRenderer {
        let p = parameters(for: options, format: format)
        return PhotoRenderer(parameters: PhotoRenderParameters(bands: format.bands, sizeRange: p.sizeRange))
    }

    /// Chooses the samples, file names and formats of a run without rendering anything.
    public static func plan(_ samples: [StrokeSample], options: SynthesisOptions) throws(SynthesisError) -> [SynthesisItem] {
        let letters = samples.filter { options.classes.classIndex(of: $0.character) != nil }
        guard !letters.isEmpty else { throw SynthesisError("no \(options.classes.sampleName) samples to render") }
        guard !options.formats.isEmpty else { throw SynthesisError("no output formats given") }
        let count = options.count ?? letters.count
        guard count > 0 else { throw SynthesisError("--count must be positive") }
        if let batch = options.batchSize, batch <= 0 { throw SynthesisError("--batch-size must be positive") }
        var order = letters
        var shuffler = SeededGenerator(seed: options.seed)
        shuffler.shuffle(&order)
        let digits = max(3, String(count - 1).count)
        var items: [SynthesisItem] = []
        items.reserveCapacity(count)
        for i in 0..<count {
            let sample = order[i % order.count]
            guard let index = options.classes.classIndex(of: sample.character),
                  let label = options.classes.labels[index].first else { continue }
            let format = options.formats[i % options.formats.count]
            let number = String(i)
            let name = "\(sample.writer)_\(label)_\(String(repeating: "0", count: max(0, digits - number.count)))\(number).\(format.fileFormat.fileExtension)"
            var folder = ""
            if let batch = options.batchSize, i / batch > 0 { folder = "batch\(i / batch + 1)/" }
            items.append(SynthesisItem(relativePath: folder + name, sample: sample, format: format,
                                       stream: UInt64(i) + 1, label: label))
        }
        return items
    }

    /// Renders and encodes one planned item to file bytes.
    public static func encode(_ item: SynthesisItem, options: SynthesisOptions) throws -> [UInt8] {
        var rng = SeededGenerator(seed: options.seed, stream: item.stream)
        if options.renderer == .photo, !options.clean {
            let renderer = photoRenderer(for: options, format: item.format)
            if item.format == .jpeg { return try renderer.fileBytes(item.sample, using: &rng) }
            let image = renderer.render(item.sample, using: &rng)
            return try ImageEncoder.encode(bytes: image.bytes, width: image.width, height: image.height, bands: image.bands,
                                           as: item.format.fileFormat, quality: 90, pngRowFilters: .adaptive)
        }
        let quality = rng.integer(in: 70...92)
        let image = ScanRenderer.render(item.sample, parameters: parameters(for: options, format: item.format), rng: &rng)
        // PNGs filtered row by row as libpng writes them by default, like a scanner's.
        return try ImageEncoder.encode(bytes: image.bytes, width: image.width, height: image.height,
                                       bands: image.bands, as: item.format.fileFormat, quality: quality,
                                       pngRowFilters: .adaptive)
    }

    /// Loads the strokes, renders every image and writes the files and `labels.csv`.
    public static func run(_ options: SynthesisOptions) throws -> SynthesisSummary {
        let start = DispatchTime.now()
        let samples = try UnipenParser.loadDirectory(options.strokesDirectory,
                                                     writers: options.writers.map(Set.init), lettersOnly: options.classes != .digits)
        let items = try plan(samples, options: options)
        try VipsRuntime.start(threadsPerImage: 1)
        try OutputDirectory.claimWhole(options.outputDirectory.path, ownedIf: { $0 == "labels.csv" }, overwrite: options.overwrite,
                                       what: "synth output", hint: "use --overwrite to replace it, or choose another directory")
        try FileManager.default.createDirectory(at: options.outputDirectory, withIntermediateDirectories: true)

        let outcomes = ParallelMap.results(count: items.count, jobs: options.jobs, stopOnError: true) { i in
            let item = items[i]
            do {
                let bytes = try encode(item, options: options)
                try AtomicFile.write(bytes, to: options.outputDirectory.appendingPathComponent(item.relativePath).path)
            } catch {
                throw SynthesisError("\(item.relativePath): \(error)")
            }
        }
        for case .failure(let error)? in outcomes { throw error }

        var csv = "file,label\n"
        for item in items { csv += "\(csvField(item.relativePath)),\(item.label)\n" }
        let labels = options.outputDirectory.appendingPathComponent("labels.csv")
        try AtomicFile.write(Array(csv.utf8), to: labels.path)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return SynthesisSummary(items: items, seconds: seconds, labelsFile: labels)
    }

    /// Renders the planned images on one thread without encoding or writing anything and
    /// returns how many were rendered and the seconds taken (the renderer's own speed).
    public static func benchmark(_ options: SynthesisOptions) throws -> (images: Int, seconds: Double) {
        let samples = try UnipenParser.loadDirectory(options.strokesDirectory,
                                                     writers: options.writers.map(Set.init), lettersOnly: options.classes != .digits)
        let items = try plan(samples, options: options)
        let start = DispatchTime.now()
        for item in items {
            var rng = SeededGenerator(seed: options.seed, stream: item.stream)
            if options.renderer == .photo, !options.clean {
                withExtendedLifetime(photoRenderer(for: options, format: item.format).render(item.sample, using: &rng)) {}
                continue
            }
            _ = rng.integer(in: 70...92)
            let image = ScanRenderer.render(item.sample, parameters: parameters(for: options, format: item.format), rng: &rng)
            withExtendedLifetime(image) {}
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return (items.count, seconds)
    }

    private static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
