import Foundation
import GlyphImaging

/// A ready-to-run pipeline: decode, then the image stages in order. A `classify` stage is
/// configuration here; `GlyphModel` loads its model.
public struct Pipeline: Sendable {
    public let configuration: PipelineConfiguration
    /// The text of the pipeline file, for hashing and model metadata.
    public let sourceText: String
    /// The folder of the pipeline file, against which its `classify` model path is resolved.
    public let baseDirectory: URL?
    /// How every file is decoded, built once from the configuration.
    public private(set) var decodePlan: DecodePlan

    public init(configuration: PipelineConfiguration, sourceText: String = "", baseDirectory: URL? = nil) {
        self.configuration = configuration
        self.sourceText = sourceText
        self.baseDirectory = baseDirectory
        let resizeTarget = configuration.stages.lazy.compactMap(\.glyphSide).first ?? 20
        decodePlan = configuration.decode.plan(lumaOnly: configuration.stages.first?.acceptsLumaDecode ?? false,
                                               defaultMinSide: 16 * resizeTarget)
        self.resizeTarget = resizeTarget
    }

    /// Loads and validates a pipeline file.
    public init(contentsOf url: URL) throws(PipelineError) {
        var info = stat()
        if stat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw PipelineError(source: url.path, line: nil, column: nil,
                                message: "is a directory; give a pipeline file such as pipelines/emnist.yaml")
        }
        let bytes: FileBytes
        do {
            bytes = try FileBytes(contentsOfFile: url.path)
        } catch {
            throw PipelineError(source: url.path, line: nil, column: nil, message: error.message.replacingOccurrences(of: "the file", with: "the pipeline file"))
        }
        guard let text = String(validating: bytes.copy, as: UTF8.self) else {
            throw PipelineError(source: url.path, line: nil, column: nil, message: "the pipeline file is not UTF-8 text")
        }
        let configuration = try PipelineConfiguration.parse(yaml: text, source: url.path)
        self.init(configuration: configuration, sourceText: text, baseDirectory: url.deletingLastPathComponent())
    }

    /// The same pipeline reading page `page` (0-based) of multi-page TIFFs and PDFs.
    public func reading(page: Int) -> Pipeline {
        var copy = self
        copy.decodePlan.page = page
        return copy
    }

    public var name: String { configuration.name }
    public var stages: [any PipelineStage] { configuration.stages }

    /// The side of the final image, from the last stage that fixes one (28 when none does).
    public var targetSide: Int { fixedSide ?? 28 }

    /// The side of the final image when a stage fixes it; nil when it follows the input.
    public var fixedSide: Int? {
        stages.reversed().lazy.compactMap(\.outputSide).first
    }

    /// The side `resize` brings the glyph to (20 when the pipeline has no resize).
    let resizeTarget: Int

    /// Runs every stage on a file's bytes. `observe` sees each stage's name, label and output,
    /// starting with `decode`.
    public func process(
        _ data: [UInt8],
        observe: ((_ stage: String, _ label: String, _ image: Raster) -> Void)? = nil
    ) throws(StageFailure) -> (image: Raster, context: StageContext) {
        try process(FileBytes(data), observe: observe)
    }

    /// Runs every stage on a file already read into memory.
    ///
    /// A letter big and bold enough on a proxy at half the page's working scale is finished
    /// there (`coarseRun`, coarse-to-fine); the rest go the way below.
    ///
    /// When the decode shrank the image (`shrink: auto`) and the ink then turns out smaller
    /// than twice the resize target at that scale, the file is decoded again at the finest
    /// scale that gets it there (full resolution at most) and the stages run again, so a small
    /// letter on a large page keeps its detail. If that second pass fails (too large, …), the
    /// first result stands.
    public func process(
        _ file: FileBytes,
        observe: ((_ stage: String, _ label: String, _ image: Raster) -> Void)? = nil
    ) throws(StageFailure) -> (image: Raster, context: StageContext) {
        // Stage outputs are held back until it is known which pass counts.
        var firstSteps: [Step]? = observe == nil ? nil : []
        func replay(_ steps: [Step]?) { for step in steps ?? [] { observe?(step.stage, step.label, step.image) } }
        // A PNG taken coarse-to-fine is inflated once for both scales.
        let png = allowsCoarseToFine ? try? ImageDecoder.pngLumaSource(file, plan: decodePlan) : nil
        if let coarse = coarseRun(file, png: png, steps: &firstSteps) {
            replay(firstSteps)
            return coarse
        }
        let first: (image: Raster, context: StageContext)
        do {
            first = try run(file, plan: decodePlan, png: png, steps: &firstSteps)
        } catch {
            replay(firstSteps)  // observers still see the stages up to the failure
            throw error
        }
        if let finer = finerDecode(after: first.context) {
            var secondSteps: [Step]? = observe == nil ? nil : []
            if let refined = try? run(file, plan: finer, png: png, steps: &secondSteps) {
                replay(secondSteps)
                return refined
            }
        }
        replay(firstSteps)
        return first
    }

    /// One stage's name, label and output, for observers.
    typealias Step = (stage: String, label: String, image: Raster)

    private func run(_ file: FileBytes, plan: DecodePlan, png: PNGLumaSource? = nil,
                     steps: inout [Step]?) throws(StageFailure) -> (image: Raster, context: StageContext) {
        var (image, context) = try Self.decode(file, plan: plan, png: png)
        steps?.append((DecodeStage.name, plan == decodePlan ? configuration.decode.label : "shrink \(context.decodeShrink), second pass", image))
        for stage in stages {
            image = try stage.apply(image, context: &context)
            steps?.append((type(of: stage).name, stage.label, image))
        }
        return (image, context)
    }

    /// The decode for a second pass when the ink came out too small at the first pass's scale.
    func finerDecode(after context: StageContext) -> DecodePlan? {
        guard configuration.decode.shrink == .auto, context.decodeShrink > 1, let ink = context.inkBox else { return nil }
        let needed = 2 * resizeTarget
        let inkSide = max(ink.width, ink.height)
        guard inkSide / context.decodeShrink < needed else { return nil }
        var factor = context.decodeShrink / 2
        while factor > 1 && inkSide / factor < needed { factor /= 2 }
        var finer = decodePlan
        finer.shrink = .fixed(factor)
        return finer
    }
}

extension FileBytes {
    /// Reads a whole file, failing with the manifest's `read_error`.
    public static func read(_ path: String) throws(StageFailure) -> FileBytes {
        do {
            return try FileBytes(contentsOfFile: path)
        } catch {
            throw StageFailure(error)
        }
    }
}
