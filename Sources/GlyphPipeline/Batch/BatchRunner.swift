import Dispatch
import Foundation
import GlyphImaging
import Synchronization

/// Runs a pipeline over a directory tree: files in sorted order, processed concurrently in
/// bounded rounds, outputs written atomically, one manifest line per file in input order.
public struct BatchRunner: Sendable {
    public let pipeline: Pipeline
    public let classifier: (any BatchClassifier)?
    public let options: BatchOptions

    /// `classifier` (the pipeline's `classify` model, loaded by `GlyphModel`) labels every image.
    public init(pipeline: Pipeline, classifier: (any BatchClassifier)? = nil, options: BatchOptions = BatchOptions()) {
        self.pipeline = pipeline
        self.classifier = classifier
        self.options = options
    }

    /// The manifest's name inside the output directory.
    public static let manifestName = "manifest.jsonl"

    /// Processes every image under `input` (of this shard) into `output`. `progress` hears
    /// how many files are done after each file, from the worker threads.
    public func run(input: String, output: String, stop: StopFlag = StopFlag(),
                    progress: (@Sendable (BatchProgress) -> Void)? = nil) throws -> BatchSummary {
        let started = Date()
        var state = try prepare(input: input, output: output)
        let total = options.showProgress
            ? try InputWalker(root: input).reduce(0) { count, file in count + (belongs(file) ? 1 : 0) } : nil
        guard FileManager.default.createFile(atPath: state.layout.partial, contents: Data()),
              let manifest = FileHandle(forWritingAtPath: state.layout.partial) else {
            throw BatchError(message: "cannot write \(state.layout.partial)")
        }
        var summary = BatchSummary()
        var walker = try InputWalker(root: input)
        var exhausted = false
        while !exhausted {
            if stop.isStopped && state.known?.isExhausted ?? true { break }
            let items = nextRound(from: &walker, exhausted: &exhausted, state: &state, stop: stop)
            let pending = items.compactMap { item -> InputFile? in if case .pending(let file, _) = item { file } else { nil } }
            let before = summary.total + items.count - pending.count
            let finished = Atomic<Int>(0)
            let processed = pending.isEmpty ? [] : process(pending, output: output, stop: stop) {
                let done = before + finished.add(1, ordering: .relaxed).newValue
                progress?(BatchProgress(done: done, total: total, seconds: Date().timeIntervalSince(started)))
            }
            let text = Self.manifestText(items, processed: processed, summary: &summary)
            if !text.isEmpty { try manifest.write(contentsOf: Data(text.utf8)) }
            progress?(BatchProgress(done: summary.total, total: total, seconds: Date().timeIntervalSince(started)))
        }
        try manifest.close()
        unlink(state.layout.previous)
        guard rename(state.layout.partial, state.layout.manifest) == 0 else {
            throw BatchError(message: "\(POSIXFailure(operation: "rename \(state.layout.partial) to \(state.layout.manifest)"))")
        }
        if pipeline.isSegmented && options.shard == nil { try PageText.write(directory: output) }
        summary.interrupted = stop.isStopped
        if !summary.interrupted && options.shard == nil && state.info.format != .png {
            summary.notes = try DatasetExporter.export(directory: output, manifest: state.layout.manifest, info: state.info)
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    /// What a run keeps between rounds: where it writes, what an earlier run left.
    private struct RunState {
        let output: String
        let layout: RunLayout
        let info: RunInfo
        /// The earlier run's lines when resuming, read alongside the walk.
        var known: EarlierLines?
        var temporaries: StaleTemporaries
    }

    /// Checks the directories, starts libvips, and sets the output directory up for this run:
    /// the earlier manifest kept aside when resuming, stale temporaries removed, `run.json`.
    private func prepare(input: String, output: String) throws -> RunState {
        try Self.checkDirectories(input: input, output: output)
        let layout = RunLayout(directory: output, shard: options.shard)
        try OutputDirectory.claim(layout, resume: options.resume, overwrite: options.overwrite)
        try FileSystemName.createDirectories(output)
        try VipsRuntime.start(threadsPerImage: 1)
        VipsRuntime.keepImageBuffersOnHeap()

        let info = RunInfo(pipeline: pipeline, input: input, shard: options.shard)
        let known = options.resume ? try resumableLines(layout: layout, info: info) : nil
        var temporaries = StaleTemporaries(root: output)
        for name in [layout.previous, layout.runInfo] { temporaries.remove(for: (name as NSString).lastPathComponent) }
        if known == nil { unlink(layout.previous) }
        unlink(layout.partial)
        try AtomicFile.write(Array(info.json.utf8), to: layout.runInfo)
        return RunState(output: output, layout: layout, info: info, known: known, temporaries: temporaries)
    }

    /// The next round of files in walk order: earlier results kept, and up to `chunkSize`
    /// files to process (none once stopped).
    private func nextRound(from walker: inout InputWalker, exhausted: inout Bool, state: inout RunState,
                           stop: StopFlag) -> [RoundItem] {
        var items: [RoundItem] = []
        var pending = 0
        while pending < options.chunkSize && items.count < 16 * options.chunkSize {
            guard let file = walker.next() else {
                exhausted = true
                break
            }
            guard belongs(file) else { continue }
            state.temporaries.remove(for: file.outputRelativePath)
            let earlier = state.known?.line(for: file.relativePath)
            if let line = reusableLine(for: file, earlier: earlier, output: state.output) {
                items.append(.kept(line))
            } else if !stop.isStopped {
                items.append(.pending(file, earlier: earlier))
                pending += 1
            } else if let line = earlier, line.status == .error {
                items.append(.kept(line))
            }
        }
        return items
    }

    /// The round's manifest lines in walk order, counted into `summary`. A file skipped after a
    /// stop keeps its earlier failure line, if it had one.
    private static func manifestText(_ items: [RoundItem], processed: [ManifestRecord], summary: inout BatchSummary) -> String {
        let records = Dictionary(grouping: processed, by: \.input)  // several lines for a page's glyphs
        var text = ""
        for item in items {
            switch item {
            case .kept(let line):
                text += line.text + "\n"
                summary.total += 1
                summary.reused += 1
                if line.status == .ok { summary.succeeded += 1 } else { summary.failed += 1 }
            case .pending(let file, let earlier):
                if let lines = records[file.relativePath] {
                    text += lines.map { $0.jsonLine + "\n" }.joined()
                    summary.total += 1
                    if lines.contains(where: { $0.status == .ok }) { summary.succeeded += 1 } else { summary.failed += 1 }
                } else if let line = earlier, line.status == .error {
                    text += line.text + "\n"
                    summary.total += 1
                    summary.failed += 1
                }
            }
        }
        return text
    }

    /// A file of one round: an earlier result kept, or a file to process (with its earlier
    /// line, if any).
    private enum RoundItem {
        case kept(ManifestReader.Line)
        case pending(InputFile, earlier: ManifestReader.Line?)
    }

    private func belongs(_ file: InputFile) -> Bool {
        options.shard?.contains(file.relativePath) ?? true
    }

    /// The earlier lines a resumed run may reuse, combined into `layout.previous` (nil when
    /// there are none); refuses when the pipeline changed.
    func resumableLines(layout: RunLayout, info: RunInfo) throws -> EarlierLines? {
        let combined = try EarlierLines.combine(layout: layout)
        do {
            guard combined.lines > 0 else {
                ManifestFiles.remove(combined.path)
                return nil
            }
            if !options.force { try checkResumable(layout: layout, info: info) }
        } catch {
            ManifestFiles.remove(combined.path)
            throw error
        }
        guard ManifestFiles.move(combined.path, to: layout.previous) else {
            let failure = POSIXFailure(operation: "rename \(combined.path) to \(layout.previous)")
            ManifestFiles.remove(combined.path)
            throw BatchError(message: "\(failure)")
        }
        return EarlierLines(path: layout.previous)
    }

    /// Refuses to resume when the earlier run's pipeline is unknown or differs.
    private func checkResumable(layout: RunLayout, info: RunInfo) throws {
        guard let earlier = try RunInfo.load(layout.runInfo) else {
            throw BatchError(message: "cannot resume in \(layout.directory): \(layout.runInfo) is missing, so the earlier run's pipeline is unknown (use --force to reuse its outputs anyway)")
        }
        guard earlier.pipelineSHA256 == info.pipelineSHA256 else {
            throw BatchError(message: "cannot resume in \(layout.directory): the pipeline changed (earlier run: '\(earlier.pipelineName)' sha256 \(earlier.pipelineSHA256); now: '\(info.pipelineName)' sha256 \(info.pipelineSHA256)); use --force to resume anyway, or run without --resume to start over")
        }
    }

    /// The earlier line of `file` when it can stand: an `ok` line whose output is intact, or
    /// a failure when failures are not retried.
    func reusableLine(for file: InputFile, earlier: ManifestReader.Line?, output: String) -> ManifestReader.Line? {
        guard let line = earlier else { return nil }
        switch line.status {
        case _ where line.pages != nil:
            return isIntactDocument(line, of: file, output: output) ? line : nil
        case .ok where pipeline.isSegmented:
            return isIntactPage(line, of: file, output: output) ? line : nil
        case .ok:
            guard line.output == file.outputRelativePath,
                  OutputCheck.isIntactPNG(at: output + "/" + file.outputRelativePath, side: pipeline.fixedSide) else { return nil }
            return line
        case .error:
            return options.retryFailed ? nil : line
        }
    }

    /// Processes one round of files on `jobs` threads; returns the records of the files that
    /// were processed, in input order (files skipped after a stop are left out): one per file,
    /// or per page of a multi-page file, or per glyph with a `segment` stage.
    func process(_ chunk: [InputFile], output: String, stop: StopFlag,
                 fileDone: @Sendable () -> Void = {}) -> [ManifestRecord] {
        var results = ParallelMap.results(count: chunk.count, jobs: options.jobs, stop: { stop.isStopped }) { index in
            defer { fileDone() }
            return processInput(chunk[index])
        }.flatMap { outcome -> [(ManifestRecord, Raster?)?] in
            ((try? outcome?.get()) ?? []).map { Optional($0) }
        }
        if let classifier {
            classify(&results, with: classifier)
        }
        return results.compactMap { result -> ManifestRecord? in
            guard let (record, image) = result else { return nil }
            guard record.status == .ok, let image, let relative = record.output else { return record }
            do {
                try AtomicFile.write(try ImageEncoder.encode(image), to: output + "/" + relative)
                return record
            } catch {
                var failed = record
                failed.status = .error
                failed.output = nil
                failed.prediction = nil
                failed.reason = nil
                failed.top = nil
                failed.error = StageFailure(.writeError, "cannot write \(relative): \(error)")
                return failed
            }
        }
    }

    /// Classifies the round's successful images, in groups of 32 spread over the `jobs`
    /// threads (a classifier scores each image independently of the others in its call, so
    /// the grouping does not change any result; see `ONNXClassifier`).
    func classify(_ results: inout [(ManifestRecord, Raster?)?], with classifier: any BatchClassifier) {
        let indices = results.indices.filter { results[$0]?.0.status == .ok && results[$0]?.1 != nil }
        let images = indices.compactMap { results[$0]?.1 }
        guard !images.isEmpty else { return }
        let groups = stride(from: 0, to: images.count, by: 32).map { $0..<min(images.count, $0 + 32) }
        let outcomes = ParallelMap.results(count: groups.count, jobs: options.jobs) { group in
            try classifier.classify(Array(images[groups[group]]))
        }
        for (group, outcome) in zip(groups, outcomes) {
            let members = indices[group]
            switch outcome {
            case .success(let guesses)?:
                for (index, top) in zip(members, guesses) {
                    results[index]?.0.record(top, from: classifier)
                }
            case .failure(let error)?:
                markUnclassified(members, in: &results, because: "\(error)")
            case nil:
                markUnclassified(members, in: &results, because: "the classifier did not run")
            }
        }
    }

    private func markUnclassified(_ members: ArraySlice<Int>, in results: inout [(ManifestRecord, Raster?)?], because reason: String) {
        for index in members {
            results[index]?.0.status = .error
            results[index]?.0.output = nil
            results[index]?.0.error = StageFailure(.classifyError, reason)
            results[index]?.1 = nil
        }
    }

    /// Refuses an output directory that is the input directory or inside it.
    static func checkDirectories(input: String, output: String) throws {
        guard let inputReal = InputWalker.realPath(input) else {
            throw BatchError(message: "input directory \(input) does not exist")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: inputReal, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BatchError(message: "input \(input) is not a directory; to classify single scans use `glyphprep classify --pipeline PIPELINE FILE…`")
        }
        // The output may not exist yet: resolve its nearest existing ancestor.
        var probe = (output as NSString).standardizingPath
        if !probe.hasPrefix("/") { probe = FileManager.default.currentDirectoryPath + "/" + probe }
        var suffix: [String] = []
        while InputWalker.realPath(probe) == nil && probe != "/" {
            suffix.insert((probe as NSString).lastPathComponent, at: 0)
            probe = (probe as NSString).deletingLastPathComponent
        }
        let outputReal = ([InputWalker.realPath(probe) ?? probe] + suffix).joined(separator: "/")
        if outputReal == inputReal || outputReal.hasPrefix(inputReal + "/") {
            throw BatchError(message: "the output directory \(output) is inside the input directory \(input); choose another place so inputs are never touched")
        }
    }
}
