import ArgumentParser
import Foundation
import GlyphImaging
import GlyphPipeline
import GlyphTraining

extension GlyphPrepCommand {
    /// `glyphprep page-eval`: renders pages of letters with known boxes and measures a page
    /// pipeline on them (docs/pages.md).
    struct PageEval: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "page-eval",
            abstract: "Render pages of letters (rows, paragraphs, boxed forms; scans and photos) and measure a page pipeline on them.",
            discussion: """
            Reports glyph recall and precision (IoU ≥ 0.5), pages in exactly the right reading \
            order, pages whose text was read exactly, accuracy of the found glyphs, the same \
            letters cut out through the single-letter pipeline, and how many whole pages the \
            single-letter pipeline answered with a prediction. --write keeps the pages and \
            truth.jsonl (true boxes, letters, text) for `glyphprep run`.
            """)

        @Option(help: "Directory of UNIPEN pen-stroke files (UJIpenchars-wNN).")
        var strokes = "../shared/data/uji"

        @Option(help: "Pages to render (layouts in turn, scans then photos).")
        var pages = 60

        @Option(help: "Random seed.")
        var seed: UInt64 = 1

        @Option(help: "Comma-separated writer ids (w01,…) to draw letters from (default: all).")
        var writers: String?

        @Option(help: "The page pipeline.")
        var pagePipeline = "pipelines/page.yaml"

        @Option(help: "The single-letter pipeline run on whole pages and on the letters cut out ('none' to skip).")
        var singlePipeline = "pipelines/emnist.yaml"

        @Option(help: "Also write the pages and truth.jsonl here.")
        var write: String?

        @Option(name: .shortAndLong, help: "Pages measured at once.")
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        func validate() throws {
            guard pages >= 1 else { throw ValidationError("--pages must be at least 1") }
            guard jobs >= 1 else { throw ValidationError("--jobs must be positive") }
        }

        func run() throws {
            let selected = writers.map { Set($0.split(separator: ",").map(String.init)) }
            let samples = try UnipenParser.loadDirectory(URL(fileURLWithPath: strokes), writers: selected)
            let page = try loadPipeline(pagePipeline)
            guard page.pipeline.isSegmented else { throw ValidationError("\(pagePipeline) has no segment stage") }
            let single = singlePipeline == "none" ? nil : try loadPipeline(singlePipeline)
            try VipsRuntime.start(threadsPerImage: 1)
            let bench = PageBench(renderer: PageRenderer(samples: samples), page: page, single: single, seed: seed)
            let outcomes = try ParallelMap.map(count: pages, jobs: jobs) { try bench.evaluate(index: $0) }
            var totals = PageEvaluationTotals()
            var truthLines = ""
            for outcome in outcomes {
                totals.add(outcome.score, kind: outcome.kind, singleAnswered: outcome.singleAnswered,
                           singleLetters: outcome.singleLetters, singleCorrect: outcome.singleCorrect)
                truthLines += PageTruthFile.line(outcome) + "\n"
            }
            for line in totals.reportLines { print(line) }
            if let write {
                for outcome in outcomes { try AtomicFile.write(outcome.bytes, to: write + "/" + outcome.name) }
                try AtomicFile.write(Array(truthLines.utf8), to: write + "/truth.jsonl")
                print("wrote \(outcomes.count) pages and truth.jsonl to \(write)")
            }
        }
    }
}

/// `truth.jsonl` of `page-eval --write`: per page its file, kind, true text and boxes.
enum PageTruthFile {
    static func line(_ outcome: PageBench.Outcome) -> String {
        let boxes = outcome.truth.map { g in
            "{\"label\":\"\(g.label)\",\"line\":\(g.line),\"word\":\(g.word),\"bbox\":{\"x\":\(g.box.x),\"y\":\(g.box.y),\"width\":\(g.box.width),\"height\":\(g.box.height)}}"
        }
        let text = outcome.trueText.replacingOccurrences(of: "\n", with: "\\n")
        let read = outcome.text.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\"", with: "\\\"")
        return "{\"input\":\"\(outcome.name)\",\"kind\":\"\(outcome.kind)\",\"text\":\"\(text)\",\"read\":\"\(read)\",\"glyphs\":[\(boxes.joined(separator: ","))]}"
    }
}
