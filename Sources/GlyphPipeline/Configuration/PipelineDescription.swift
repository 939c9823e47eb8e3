/// Human-readable text about stages and pipelines, for `glyphprep stages` and `validate`.
public enum PipelineDescription {
    /// Every stage with its parameters and defaults.
    public static func catalog() -> String {
        var lines: [String] = []
        for stage in StageCatalog.all {
            lines.append("\(stage.name): \(stage.summary)")
            for parameter in stage.parameterDocs {
                lines.append("    \(parameter.name) (\(parameter.type), default \(parameter.defaultValue)): \(parameter.help)")
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// Every stage and its parameters as a Markdown reference (`docs/stages.md`).
    public static func markdownCatalog() -> String {
        var lines = ["# Stages", "",
                     "Generated from the stages' parameter declarations by `glyphprep stages --markdown`; do not edit.", ""]
        for stage in StageCatalog.all {
            lines += ["## `\(stage.name)`", "", stage.summary, ""]
            let parameters = stage.parameterDocs
            guard !parameters.isEmpty else { continue }
            lines += ["| parameter | values | default | meaning |", "|---|---|---|---|"]
            for parameter in parameters {
                let cells = [parameter.name, parameter.type, parameter.defaultValue].map { "`\($0.replacingOccurrences(of: "|", with: "\\|"))`" }
                lines.append("| " + (cells + [parameter.help.replacingOccurrences(of: "|", with: "\\|")]).joined(separator: " | ") + " |")
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// A valid pipeline's stages, one per line, with what a dry run (when given) made of
    /// each stage's output size.
    public static func describe(_ pipeline: Pipeline, dryRun: PipelineDryRun? = nil) -> String {
        let count = pipeline.stages.count + 1 + (pipeline.configuration.classify == nil ? 0 : 1)
        var lines = ["\(pipeline.name): valid, \(count) stages"]
        lines.append("  1. \(DecodeStage.name) (\(pipeline.configuration.decode.label))")
        for (index, stage) in pipeline.stages.enumerated() {
            lines.append("  \(index + 2). \(type(of: stage).name) (\(stage.label))")
        }
        if let classify = pipeline.configuration.classify {
            lines.append("  \(pipeline.stages.count + 2). \(ClassifyOptions.name) (\(classify.label))")
        }
        let format = pipeline.configuration.output.format.rawValue
        if let side = pipeline.fixedSide {
            lines.append("  output: \(format), \(side)×\(side)")
        } else {
            lines.append("  output: \(format), size follows the input (no resize or pad stage fixes it)")
        }
        for trial in dryRun?.trials ?? [] {
            switch trial.outcome {
            case .success(let size): lines.append("  dry run: \(trial.description) → \(size.width)×\(size.height)")
            case .failure(let failure): lines.append("  dry run: \(trial.description) → \(failure.code.rawValue): \(failure.message)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Each image stage as "name (label)", decode first; used to compare pipelines.
    public static func stageSummaries(_ configuration: PipelineConfiguration) -> [String] {
        ["\(DecodeStage.name) (\(configuration.decode.label))"]
            + configuration.stages.map { "\(type(of: $0).name) (\($0.label))" }
    }
}
