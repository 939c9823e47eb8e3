import Foundation
import GlyphPipeline
import ONNXRuntime

/// A pipeline file together with the model its `classify` stage names, loaded and checked.
public struct LoadedPipeline: Sendable {
    public let pipeline: Pipeline
    /// The `classify` stage's model; nil when the pipeline has no such stage.
    public let classifier: ONNXClassifier?

    /// Loads `pipeline`'s model, looked up relative to the pipeline file.
    public init(_ pipeline: Pipeline) throws(ClassifierError) {
        self.pipeline = pipeline
        classifier = try pipeline.configuration.classify.map { options throws(ClassifierError) in
            try ONNXClassifier(options: options, baseDirectory: pipeline.baseDirectory)
        }
    }

    /// Loads and validates a pipeline file and its model.
    public init(contentsOf url: URL) throws(PipelineError) {
        let pipeline = try Pipeline(contentsOf: url)
        do {
            try self.init(pipeline)
        } catch {
            throw PipelineError(source: url.path, line: nil, column: nil, message: "classify: \(error.message)")
        }
    }

    /// A warning when the model was trained through a different pipeline than this one.
    public var mismatchWarning: String? { classifier?.pipelineMismatch(with: pipeline) }
}

extension ONNXClassifier {
    /// Every node of the model `reference` (a path, or a name in models/) that the engine
    /// cannot run, each with its operator and reason; empty when all are supported.
    public static func unsupportedNodes(of reference: String, baseDirectory: URL? = nil) throws -> [ONNXUnsupportedNode] {
        try ONNXModel.unsupportedNodes(contentsOf: locate(reference, baseDirectory: baseDirectory))
    }
}
