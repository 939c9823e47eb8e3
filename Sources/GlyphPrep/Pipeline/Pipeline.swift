import Foundation

/// A ready-to-run pipeline: decode, then the image stages in order.
public struct Pipeline: Sendable {
    public let configuration: PipelineConfiguration
    /// The text of the pipeline file, for hashing and model metadata.
    public let sourceText: String

    /// The loaded model of the `classify` stage, when there is one.
    public let classifier: ONNXClassifier?

    /// A pipeline without a model (any `classify` stage is ignored).
    public init(configuration: PipelineConfiguration, sourceText: String = "") {
        self.configuration = configuration
        self.sourceText = sourceText
        self.classifier = nil
    }

    /// A pipeline whose `classify` model is loaded, looked up relative to `baseDirectory`.
    public init(configuration: PipelineConfiguration, sourceText: String, baseDirectory: URL?) throws(ClassifierError) {
        self.configuration = configuration
        self.sourceText = sourceText
        self.classifier = try configuration.classify.map { options throws(ClassifierError) in
            try ONNXClassifier(options: options, baseDirectory: baseDirectory)
        }
    }

    /// Loads and validates a pipeline file.
    public init(contentsOf url: URL) throws(PipelineError) {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw PipelineError(source: url.path, line: nil, column: nil,
                                message: "cannot read the pipeline file: \(error.localizedDescription)")
        }
        let configuration = try PipelineConfiguration.parse(yaml: text, source: url.path)
        do {
            try self.init(configuration: configuration, sourceText: text, baseDirectory: url.deletingLastPathComponent())
        } catch {
            throw PipelineError(source: url.path, line: nil, column: nil, message: "classify: \(error.message)")
        }
    }

    public var name: String { configuration.name }
    public var stages: [any PipelineStage] { configuration.stages }

    /// The side of the final image, from the last resize or pad stage (28 when neither).
    public var targetSide: Int {
        for stage in stages.reversed() {
            if let pad = stage as? PadStage { return pad.size }
            if let resize = stage as? ResizeStage { return resize.targetSide }
        }
        return 28
    }

    /// The side `resize` brings the glyph to (20 when the pipeline has no resize).
    var resizeTarget: Int {
        stages.compactMap { $0 as? ResizeStage }.first?.targetSide ?? 20
    }

    /// The decode stage's default `min_side`: 16 × the resize target.
    var defaultMinSide: Int { 16 * resizeTarget }

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
        let first: (image: Raster, context: StageContext)
        do {
            first = try run(file, decode: configuration.decode, steps: &firstSteps)
        } catch {
            replay(firstSteps)  // observers still see the stages up to the failure
            throw error
        }
        if let finer = finerDecode(after: first.context) {
            var secondSteps: [Step]? = observe == nil ? nil : []
            if let refined = try? run(file, decode: finer, steps: &secondSteps) {
                replay(secondSteps)
                return refined
            }
        }
        replay(firstSteps)
        return first
    }

    /// One stage's name, label and output, for observers.
    private typealias Step = (stage: String, label: String, image: Raster)

    private func run(_ file: FileBytes, decode: DecodeStage, steps: inout [Step]?) throws(StageFailure) -> (image: Raster, context: StageContext) {
        var (image, context) = try decode.decode(file, defaultMinSide: defaultMinSide)
        steps?.append((DecodeStage.name, decode.label, image))
        for stage in stages {
            image = try stage.apply(image, context: &context)
            steps?.append((type(of: stage).name, stage.label, image))
        }
        return (image, context)
    }

    /// The decode for a second pass when the ink came out too small at the first pass's scale.
    func finerDecode(after context: StageContext) -> DecodeStage? {
        guard configuration.decode.shrink == .auto, context.decodeShrink > 1, let ink = context.inkBox else { return nil }
        let needed = 2 * resizeTarget
        let inkSide = max(ink.width, ink.height)
        guard inkSide / context.decodeShrink < needed else { return nil }
        var factor = context.decodeShrink / 2
        while factor > 1 && inkSide / factor < needed { factor /= 2 }
        var finer = configuration.decode
        finer.shrink = .fixed(factor)
        return finer
    }
}
