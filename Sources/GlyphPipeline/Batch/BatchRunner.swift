import Dispatch
import Foundation
import GlyphImaging
import Synchronization

/// A stage that sees many normalized images at once, e.g. batched model inference.
public protocol BatchClassifier: Sendable {
    /// The best guesses for each image, most probable first; one array per image, in order.
    func classify(_ images: [Raster]) throws -> [[ManifestRecord.Guess]]
}

/// Settings of one batch run.
public struct BatchOptions: Sendable {
    /// Files processed at once (worker threads).
    public var jobs: Int
    /// Files taken per round: bounds memory and the size of classifier batches.
    public var chunkSize: Int
    /// Draw a progress line on standard error.
    public var showProgress: Bool
    /// Reuse what an earlier run in the same output directory recorded.
    public var resume: Bool
    /// When resuming, process files again whose earlier attempt failed.
    public var retryFailed: Bool
    /// Resume even when the pipeline file changed since the earlier run.
    public var force: Bool
    /// Process only this shard's files, into its own manifest.
    public var shard: ShardSpec?

    public init(jobs: Int = ProcessInfo.processInfo.activeProcessorCount, chunkSize: Int? = nil, showProgress: Bool = false,
                resume: Bool = false, retryFailed: Bool = true, force: Bool = false, shard: ShardSpec? = nil) {
        self.jobs = max(1, jobs)
        self.chunkSize = chunkSize ?? max(128, self.jobs * 64)
        self.showProgress = showProgress
        self.resume = resume
        self.retryFailed = retryFailed
        self.force = force
        self.shard = shard
    }
}

/// What a run did.
public struct BatchSummary: Sendable, Equatable {
    public var total = 0
    public var succeeded = 0
    public var failed = 0
    /// Files whose earlier result was kept by a resumed run (counted in total, too).
    public var reused = 0
    public var interrupted = false
    public var seconds = 0.0
    /// Remarks for the user, e.g. about a dataset export.
    public var notes: [String] = []

    public var imagesPerSecond: Double { seconds > 0 ? Double(total) / seconds : 0 }

    public var line: String {
        let rate = String(format: "%.1f", imagesPerSecond)
        let time = String(format: "%.2f", seconds)
        return "glyphprep: \(total) files, \(succeeded) ok, \(failed) failed in \(time) s (\(rate) images/s)"
            + (reused > 0 ? ", \(reused) reused" : "")
            + (interrupted ? ", interrupted" : "")
    }
}

/// Raised for problems with the run as a whole (not with one file).
public struct BatchError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Set by a signal handler; the runner stops taking new files once it is set.
public final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func stop() { flag.store(true, ordering: .relaxed) }
    public var isStopped: Bool { flag.load(ordering: .relaxed) }
}

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

    /// Processes every image under `input` (of this shard) into `output`.
    public func run(input: String, output: String, stop: StopFlag = StopFlag()) throws -> BatchSummary {
        let started = Date()
        try Self.checkDirectories(input: input, output: output)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        try VipsRuntime.start(threadsPerImage: 1)
        VipsRuntime.keepImageBuffersOnHeap()

        let layout = RunLayout(directory: output, shard: options.shard)
        let info = RunInfo(pipeline: pipeline, input: input, shard: options.shard)
        let known = options.resume ? try resumableLines(layout: layout, info: info) : [:]
        var temporaries = StaleTemporaries(root: output)
        for name in [layout.previous, layout.runInfo] { temporaries.remove(for: (name as NSString).lastPathComponent) }
        if known.isEmpty {
            unlink(layout.previous)
        } else {
            let lines = known.values.map(\.text).sorted().map { $0 + "\n" }.joined()
            try AtomicFile.write(Array(lines.utf8), to: layout.previous)
        }
        unlink(layout.partial)
        try AtomicFile.write(Array(info.json.utf8), to: layout.runInfo)

        let total = options.showProgress
            ? try InputWalker(root: input).reduce(0) { count, file in count + (belongs(file) ? 1 : 0) } : nil
        guard FileManager.default.createFile(atPath: layout.partial, contents: Data()),
              let manifest = FileHandle(forWritingAtPath: layout.partial) else {
            throw BatchError(message: "cannot write \(layout.partial)")
        }

        var summary = BatchSummary()
        var progress = ProgressLine(total: total, enabled: options.showProgress)
        var walker = try InputWalker(root: input)
        var exhausted = false
        while !exhausted {
            if stop.isStopped && known.isEmpty { break }
            var items: [RoundItem] = []
            var pending: [InputFile] = []
            while pending.count < options.chunkSize && items.count < 16 * options.chunkSize {
                guard let file = walker.next() else {
                    exhausted = true
                    break
                }
                guard belongs(file) else { continue }
                temporaries.remove(for: file.outputRelativePath)
                if let line = reusableLine(for: file, known: known, output: output) {
                    items.append(.kept(line))
                } else if !stop.isStopped {
                    items.append(.pending(file))
                    pending.append(file)
                } else if let line = known[file.relativePath], line.status == .error {
                    items.append(.kept(line))
                }
            }
            let processed = pending.isEmpty ? [] : process(pending, output: output, stop: stop)
            let records = Dictionary(processed.map { ($0.input, $0) }, uniquingKeysWith: { first, _ in first })
            var text = ""
            for item in items {
                switch item {
                case .kept(let line):
                    text += line.text + "\n"
                    summary.total += 1
                    summary.reused += 1
                    if line.status == .ok { summary.succeeded += 1 } else { summary.failed += 1 }
                case .pending(let file):
                    if let record = records[file.relativePath] {
                        text += record.jsonLine + "\n"
                        summary.total += 1
                        if record.status == .ok { summary.succeeded += 1 } else { summary.failed += 1 }
                    } else if let line = known[file.relativePath], line.status == .error {
                        text += line.text + "\n"
                        summary.total += 1
                        summary.failed += 1
                    }
                }
            }
            if !text.isEmpty { try manifest.write(contentsOf: Data(text.utf8)) }
            progress.update(done: summary.total, elapsed: Date().timeIntervalSince(started))
        }
        try manifest.close()
        unlink(layout.previous)
        guard rename(layout.partial, layout.manifest) == 0 else {
            throw BatchError(message: "\(POSIXFailure(operation: "rename \(layout.partial) to \(layout.manifest)"))")
        }
        progress.finish()
        summary.interrupted = stop.isStopped
        if !summary.interrupted && options.shard == nil && info.format != .png {
            summary.notes = try DatasetExporter.export(directory: output, manifest: layout.manifest, info: info)
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    /// A file of one round: an earlier result kept, or a file to process.
    private enum RoundItem {
        case kept(ManifestReader.Line)
        case pending(InputFile)
    }

    private func belongs(_ file: InputFile) -> Bool {
        options.shard?.contains(file.relativePath) ?? true
    }

    /// The earlier lines a resumed run may reuse; refuses when the pipeline changed.
    func resumableLines(layout: RunLayout, info: RunInfo) throws -> [String: ManifestReader.Line] {
        let known = ManifestReader.known(in: layout)
        guard !known.isEmpty, !options.force else { return known }
        guard let earlier = try RunInfo.load(layout.runInfo) else {
            throw BatchError(message: "cannot resume in \(layout.directory): \(layout.runInfo) is missing, so the earlier run's pipeline is unknown (use --force to reuse its outputs anyway)")
        }
        guard earlier.pipelineSHA256 == info.pipelineSHA256 else {
            throw BatchError(message: "cannot resume in \(layout.directory): the pipeline changed (earlier run: '\(earlier.pipelineName)' sha256 \(earlier.pipelineSHA256); now: '\(info.pipelineName)' sha256 \(info.pipelineSHA256)); use --force to resume anyway, or run without --resume to start over")
        }
        return known
    }

    /// The earlier line of `file` when it can stand: an `ok` line whose output is intact, or
    /// a failure when failures are not retried.
    func reusableLine(for file: InputFile, known: [String: ManifestReader.Line], output: String) -> ManifestReader.Line? {
        guard let line = known[file.relativePath] else { return nil }
        switch line.status {
        case .ok:
            guard line.output == file.outputRelativePath,
                  OutputCheck.isIntactPNG(at: output + "/" + file.outputRelativePath, side: pipeline.targetSide) else { return nil }
            return line
        case .error:
            return options.retryFailed ? nil : line
        }
    }

    /// Processes one round of files on `jobs` threads; returns the records of the files that
    /// were processed, in input order (files skipped after a stop are left out).
    func process(_ chunk: [InputFile], output: String, stop: StopFlag) -> [ManifestRecord] {
        var results = ParallelMap.results(count: chunk.count, jobs: options.jobs, stop: { stop.isStopped }) { index in
            processFile(chunk[index])
        }.map { try? $0?.get() }
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
                failed.top = nil
                failed.error = StageFailure(.writeError, "cannot write \(relative): \(error)")
                return failed
            }
        }
    }

    /// Runs the pipeline on one file and returns its record and final image.
    func processFile(_ file: InputFile) -> (ManifestRecord, Raster?) {
        var record = ManifestRecord(input: file.relativePath, status: .error)
        if let refusal = file.refusal {
            record.error = refusal
            return (record, nil)
        }
        do throws(StageFailure) {
            let (image, context) = try pipeline.process(try FileBytes.read(file.path))
            record.status = .ok
            record.output = file.outputRelativePath
            record.width = context.sourceWidth
            record.height = context.sourceHeight
            record.bbox = context.inkBox
            return (record, image)
        } catch {
            record.error = error
            return (record, nil)
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
                    results[index]?.0.prediction = top.first?.label
                    results[index]?.0.top = top
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
            throw BatchError(message: "input \(input) is not a directory")
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

/// Temporary files left by a killed run (`.name.tmp-PID-RANDOM`), removed when the file they
/// were meant for comes up again. Each output directory is listed once, before this run writes
/// into it.
struct StaleTemporaries {
    let root: String
    private var byDirectory: [String: [String: [String]]] = [:]

    init(root: String) {
        self.root = root
    }

    mutating func remove(for outputRelative: String) {
        let directory = (outputRelative as NSString).deletingLastPathComponent
        let name = (outputRelative as NSString).lastPathComponent
        if byDirectory[directory] == nil {
            var found: [String: [String]] = [:]
            let path = directory.isEmpty ? root : root + "/" + directory
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where entry.hasPrefix(".") {
                guard let marker = entry.range(of: ".tmp-", options: .backwards) else { continue }
                found[String(entry[entry.index(after: entry.startIndex)..<marker.lowerBound]), default: []].append(entry)
            }
            byDirectory[directory] = found
        }
        guard let stale = byDirectory[directory]?[name] else { return }
        let path = directory.isEmpty ? root : root + "/" + directory
        for entry in stale { unlink(path + "/" + entry) }
        byDirectory[directory]?[name] = nil
    }
}

/// `done/total, rate, ETA` on one self-overwriting line of standard error.
struct ProgressLine {
    let total: Int?
    let enabled: Bool
    private var drawn = false

    init(total: Int?, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    mutating func update(done: Int, elapsed: Double) {
        guard enabled else { return }
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var text = "\r\(done)"
        if let total {
            text += "/\(total)"
            if rate > 0 { text += String(format: "  ETA %.0f s", Double(max(0, total - done)) / rate) }
        }
        text += String(format: "  %.1f images/s  ", rate)
        FileHandle.standardError.write(Data(text.utf8))
        drawn = true
    }

    func finish() {
        if enabled && drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
