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

    /// The decode stage's default `min_side`: 16 × the resize target.
    var defaultMinSide: Int {
        let resize = stages.compactMap { $0 as? ResizeStage }.first
        return 16 * (resize?.targetSide ?? 20)
    }

    /// Runs every stage on a file's bytes. `observe` sees each stage's name, label and output,
    /// starting with `decode`.
    public func process(
        _ data: [UInt8],
        observe: ((_ stage: String, _ label: String, _ image: Raster) -> Void)? = nil
    ) throws(StageFailure) -> (image: Raster, context: StageContext) {
        try process(FileBytes(data), observe: observe)
    }

    /// Runs every stage on a file already read into memory.
    public func process(
        _ file: FileBytes,
        observe: ((_ stage: String, _ label: String, _ image: Raster) -> Void)? = nil
    ) throws(StageFailure) -> (image: Raster, context: StageContext) {
        var (image, context) = try configuration.decode.decode(file, defaultMinSide: defaultMinSide)
        observe?(DecodeStage.name, configuration.decode.label, image)
        for stage in stages {
            image = try stage.apply(image, context: &context)
            observe?(type(of: stage).name, stage.label, image)
        }
        return (image, context)
    }
}
