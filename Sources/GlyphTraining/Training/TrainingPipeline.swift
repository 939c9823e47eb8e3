import Foundation
import GlyphImaging
import GlyphPipeline

/// A pipeline file prepared for training: the `classify` stage (if any) is removed from both the
/// configuration and the text recorded in the trained model.
public struct TrainingPipeline: Sendable {
    public let pipeline: Pipeline
    /// The file's text without the `classify` stage; stored as `glyphprep.pipeline`.
    public let text: String

    public init(contentsOf url: URL) throws {
        let raw: String
        do {
            raw = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw PipelineError(source: url.path, line: nil, column: nil,
                                message: "cannot read the pipeline file: \(SystemErrorText.reason(error))")
        }
        try self.init(text: raw, source: url.path)
    }

    public init(text raw: String, source: String = "<pipeline>") throws {
        text = Self.removingClassifyStage(raw)
        let configuration = try PipelineConfiguration.parse(yaml: text, source: source)
        pipeline = Pipeline(configuration: configuration, sourceText: text)
    }

    /// `text` without a `- classify…` stage line and the more deeply indented lines under it.
    public static func removingClassifyStage(_ text: String) -> String {
        var kept: [Substring] = []
        var skippingDeeperThan: Int?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let indent = line.prefix { $0 == " " }.count
            let body = line.dropFirst(indent)
            if let limit = skippingDeeperThan {
                if !body.isEmpty && indent > limit { continue }
                skippingDeeperThan = nil
            }
            if body.hasPrefix("-") {
                let item = body.dropFirst().drop { $0 == " " }
                if item.hasPrefix("classify") {
                    let rest = item.dropFirst("classify".count)
                    if rest.isEmpty || rest.first == ":" || rest.first == " " {
                        skippingDeeperThan = indent
                        continue
                    }
                }
            }
            kept.append(line)
        }
        return kept.joined(separator: "\n")
    }
}
