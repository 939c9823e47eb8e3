import ArgumentParser
import Foundation
import GlyphImaging
import GlyphPipeline
import GlyphTraining
import GlyphVisualization

extension GlyphPrepCommand {
    /// `glyphprep eval`: runs a pipeline with its classify stage over labelled scans and reports
    /// accuracy, per-class accuracy, frequent confusions and a confusion-matrix PNG.
    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a classifying pipeline over labelled scans and report accuracy and confusions.",
            discussion: """
            True labels come from --labels (CSV file,label), else INPUT_DIR/labels.csv, else each \
            file's folder name. Writes the run (normalized PNGs, manifest.jsonl), confusion.png, \
            reliability.png and evaluation.txt to -o (default: a temporary directory, removed afterwards). Example:
              glyphprep eval pipelines/emnist.yaml samples
            """)

        @Argument(help: "The pipeline YAML file; it must end in a classify stage.")
        var pipeline: String

        @Argument(help: "The directory of labelled scans (searched recursively).")
        var input: String

        @Option(help: "CSV of file,label (default: INPUT_DIR/labels.csv, else folder names).")
        var labels: String?

        @Option(name: .shortAndLong, help: "Report directory: the run's outputs, confusion.png and evaluation.txt (an earlier eval there is replaced).")
        var output: String?

        @Option(name: .shortAndLong, help: "Files processed at once.")
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: "Confusions listed.")
        var confusions = 10

        @Flag(help: "Score files whose true label the model cannot output (e.g. digit scans through a letters model) as negative examples: report the share answered with a class.")
        var negatives = false

        func validate() throws {
            guard jobs >= 1 else { throw ValidationError("--jobs must be positive") }
            guard confusions >= 0 else { throw ValidationError("--confusions must not be negative") }
        }

        func run() throws {
            let loaded = try loadPipeline(pipeline)
            guard let classifier = loaded.classifier else {
                throw CommandError("\(pipeline) has no classify stage; add e.g. `- classify: {model: letters}`")
            }
            if let warning = loaded.mismatchWarning {
                FileHandle.standardError.write(Data("glyphprep: warning: \(warning)\n".utf8))
            }
            let truth: [String: String]?
            let csv = labels ?? (input as NSString).appendingPathComponent("labels.csv")
            if labels != nil || FileManager.default.fileExists(atPath: csv) {
                do {
                    truth = try HTMLReport.parseLabels(csv: try String(contentsOfFile: csv, encoding: .utf8))
                } catch {
                    throw CommandError("cannot read labels \(csv): \(error)")
                }
            } else {
                truth = nil
            }

            _ = try Evaluation.checkLabels(input: input, labels: truth, classes: classifier.labels,
                                           source: truth == nil ? "folder names" : csv, allowNegatives: negatives)
            let directory = output ?? FileManager.default.temporaryDirectory
                .appendingPathComponent("glyphprep-eval-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
            defer { if output == nil { try? FileManager.default.removeItem(atPath: directory) } }
            let summary: BatchSummary
            do {
                summary = try BatchRunner(pipeline: loaded.pipeline, classifier: classifier, options: BatchOptions(jobs: jobs, overwrite: true))
                    .run(input: input, output: directory)
            } catch {
                throw CommandError("\(error)")
            }
            FileHandle.standardError.write(Data((summary.line + "\n").utf8))

            let evaluation = try Evaluation.load(outputDirectory: directory, labels: truth, classes: classifier.labels)
            guard !evaluation.items.isEmpty else {
                throw CommandError("no file has a true label (\(truth == nil ? "folder names" : csv))")
            }
            let lines = evaluation.reportLines(confusionLimit: confusions)
            for line in lines { print(line) }
            if let output {
                try AtomicFile.write(Array((lines.joined(separator: "\n") + "\n").utf8),
                                     to: (output as NSString).appendingPathComponent("evaluation.txt"))
                let png = (output as NSString).appendingPathComponent("confusion.png")
                try evaluation.confusionCanvas().writePNG(to: png)
                print("wrote \(png)")
                if let diagram = evaluation.reliabilityDiagram() {
                    let path = (output as NSString).appendingPathComponent(ReliabilityDiagram.fileName)
                    try diagram.canvas().writePNG(to: path)
                    print("wrote \(path)")
                }
            }
        }
    }
}
