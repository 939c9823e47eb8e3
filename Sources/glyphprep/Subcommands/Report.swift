import ArgumentParser
import Foundation
import GlyphImaging
import GlyphPipeline
import GlyphVisualization

extension GlyphPrepCommand {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a self-contained HTML report of a run (summary, contact sheet, file table, confusion matrix).",
            discussion: """
            Example:
              glyphprep report out -o report.html --input scans --labels scans/labels.csv
            """)

        @OptionGroup var source: RunDirectory

        @Option(help: "The run's input directory: adds thumbnails of the originals.")
        var input: String?

        @Option(help: "A CSV of file,label: adds accuracy and the confusion matrix.")
        var labels: String?

        func run() throws {
            do {
                var trueLabels: [String: String] = [:]
                if let labels { trueLabels = try HTMLReport.parseLabels(csv: String(contentsOfFile: labels, encoding: .utf8)) }
                let html = try HTMLReport(outputDirectory: source.directory, inputDirectory: input, labels: trueLabels).render()
                try AtomicFile.write(Array(html.utf8), to: source.output)
            } catch {
                throw commandFailure(error)
            }
        }
    }
}
