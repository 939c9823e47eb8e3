import ArgumentParser
import Foundation
import GlyphPipeline
import GlyphTraining

extension ScanRendererKind: ExpressibleByArgument {}

extension GlyphPrepCommand {
    /// `glyphprep synth`: renders handwriting strokes as realistic scans (or clean renderings).
    struct Synth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render UNIPEN handwriting strokes as realistic photos/scans of letters on paper.",
            discussion: """
            Writes images named like w03_a_017.jpg plus labels.csv (file,label) to OUT_DIR. \
            The same arguments give byte-identical files. Example:
              glyphprep synth ../shared/data/uji -o scans --count 200 --formats jpeg,png
            """
        )

        @Argument(help: "Directory of UNIPEN stroke files named …-wNN (e.g. UJIpenchars-w01).")
        var strokesDirectory: String

        @Option(name: [.customShort("o"), .customLong("output")], help: "Output directory.")
        var output: String

        @Option(help: "Number of images (default: one per letter sample).")
        var count: Int?

        @Option(help: "Random seed.")
        var seed: UInt64 = 1

        @Option(help: "Comma-separated writer ids, e.g. w01,w02 (default: all).")
        var writers: String?

        @Option(help: "Smallest long side in pixels (default 300; clean: 28).")
        var minSize: Int?

        @Option(help: "Largest long side in pixels (default 1200; clean: 28).")
        var maxSize: Int?

        @Option(help: "Comma-separated formats, cycled: jpeg, gray-jpeg, png, gray-png, png-alpha, webp, tiff; FORMAT@N caps that format's long side at N px.")
        var formats: String = "jpeg"

        @Option(help: "scan: the first renderer (what models train on); photo: the second, independently written one (docs/renderers.md).")
        var renderer: ScanRendererKind = .scan
        @Option(help: "Scans: the letter's size as a fraction of the image's short side, MIN-MAX (default 0.15-0.6).")
        var glyphSize: String?

        @Flag(help: "Clean renderings: white strokes on black, centred, no noise (default format gray-png, 28 px).")
        var clean = false

        @Option(help: "With --clean: stroke width as a fraction of the image side (default 0.09, EMNIST-like at 28 px).")
        var penWidth: Double?

        @Option(help: "Put images N…2N−1 in batch2/, the next N in batch3/, and so on.")
        var batchSize: Int?

        @Option(help: "What to draw from the stroke files: letters (labels a–z) or digits (0–9), e.g. to check how many digits a letters model answers.")
        var classes: ClassChoice = .letters

        @Flag(help: "Replace an earlier synth output in the output directory (remove everything in it first).")
        var overwrite = false

        @Flag(help: "Only time the renderer on one thread; write nothing.")
        var benchmark = false

        @Option(help: "Images rendered at once (output does not depend on it).")
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        func validate() throws {
            if let count, count <= 0 { throw ValidationError("--count must be positive") }
            if let minSize, minSize < 8 { throw ValidationError("--min-size must be at least 8") }
            if let maxSize, maxSize > 10_000 { throw ValidationError("--max-size must be at most 10000") }
            if let minSize, let maxSize, minSize > maxSize { throw ValidationError("--min-size exceeds --max-size") }
            if let batchSize, batchSize <= 0 { throw ValidationError("--batch-size must be positive") }
            if jobs <= 0 { throw ValidationError("--jobs must be positive") }
            if clean, renderer != .scan { throw ValidationError("--clean renders ideal images; it takes no --renderer") }
            if glyphSize != nil {
                guard !clean else { throw ValidationError("--glyph-size only applies to scans, not --clean") }
                guard renderer == .scan else { throw ValidationError("--glyph-size applies to the scan renderer only") }
                _ = try glyphSizeRange()
            }
            if let penWidth {
                guard clean else { throw ValidationError("--pen-width only applies with --clean") }
                guard penWidth > 0, penWidth <= 0.5 else { throw ValidationError("--pen-width must be in (0, 0.5]") }
            }
        }

        func options() throws -> SynthesisOptions {
            let defaults = clean ? 28...28 : 300...1200
            let low = minSize ?? min(defaults.lowerBound, maxSize ?? defaults.lowerBound)
            let high = maxSize ?? max(defaults.upperBound, low)
            let writerList = writers.map {
                $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
            }
            let specs = try SynthOutputFormat.parseSpecs(clean && formats == "jpeg" ? "gray-png" : formats)
            var options = SynthesisOptions(
                strokesDirectory: URL(fileURLWithPath: strokesDirectory),
                outputDirectory: URL(fileURLWithPath: output),
                count: count, seed: seed, writers: writerList,
                sizeRange: low...high,
                formats: specs.formats, formatMaxSizes: specs.maxSizes,
                clean: clean, cleanPenWidth: penWidth, batchSize: batchSize, jobs: jobs)
            options.overwrite = overwrite
            options.classes = classes == .digits ? .digits : .letters
            options.renderer = renderer
            options.glyphSizeFraction = try glyphSizeRange()
            return options
        }

        /// `--glyph-size MIN-MAX` as a range of fractions in (0, 1].
        func glyphSizeRange() throws -> ClosedRange<Double>? {
            guard let glyphSize else { return nil }
            let parts = glyphSize.split(separator: "-").compactMap { Double($0) }
            guard parts.count == 2, parts[0] > 0, parts[0] <= parts[1], parts[1] <= 1 else {
                throw ValidationError("--glyph-size must be MIN-MAX with 0 < MIN ≤ MAX ≤ 1, e.g. 0.08-0.6")
            }
            return parts[0]...parts[1]
        }

        func run() throws {
            if benchmark {
                let result = try ScanSynthesizer.benchmark(try options())
                print("rendered \(result.images) images in "
                      + String(format: "%.2f s (%.1f images/s, one thread)", result.seconds, Double(result.images) / max(result.seconds, 1e-9)))
                return
            }
            let summary = try ScanSynthesizer.run(try options())
            let rate = Double(summary.items.count) / max(summary.seconds, 1e-9)
            print("wrote \(summary.items.count) images and \(summary.labelsFile.path) in "
                  + String(format: "%.2f s (%.1f images/s)", summary.seconds, rate))
        }
    }
}
