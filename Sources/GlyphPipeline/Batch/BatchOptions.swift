import Foundation
import Synchronization

/// Settings of one batch run.
public struct BatchOptions: Sendable {
    /// Files processed at once (worker threads).
    public var jobs: Int
    /// Files taken per round: bounds memory and the size of classifier batches.
    public var chunkSize: Int
    /// Count the files first, so that progress reports know the total.
    public var showProgress: Bool
    /// Reuse what an earlier run in the same output directory recorded.
    public var resume: Bool
    /// When resuming, process files again whose earlier attempt failed.
    public var retryFailed: Bool
    /// Resume even when the pipeline file changed since the earlier run.
    public var force: Bool
    /// Process only this shard's files, into its own manifest.
    public var shard: ShardSpec?
    /// Remove an earlier run found in the output directory before starting.
    public var overwrite: Bool

    public init(jobs: Int = ProcessInfo.processInfo.activeProcessorCount, chunkSize: Int? = nil, showProgress: Bool = false,
                resume: Bool = false, retryFailed: Bool = true, force: Bool = false, shard: ShardSpec? = nil,
                overwrite: Bool = false) {
        self.jobs = max(1, jobs)
        self.chunkSize = chunkSize ?? max(128, self.jobs * 64)
        self.showProgress = showProgress
        self.resume = resume
        self.retryFailed = retryFailed
        self.force = force
        self.shard = shard
        self.overwrite = overwrite
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

/// How far a run has got, reported after every round.
public struct BatchProgress: Sendable, Equatable {
    /// Files with a manifest line so far.
    public var done: Int
    /// Files in the run, when `showProgress` counted them first.
    public var total: Int?
    /// Seconds since the run started.
    public var seconds: Double

    public var imagesPerSecond: Double { seconds > 0 ? Double(done) / seconds : 0 }
}
