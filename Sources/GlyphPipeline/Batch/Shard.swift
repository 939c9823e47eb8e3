import GlyphImaging

/// One slice of a run split across processes: the files whose path hashes to `index`.
public struct ShardSpec: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws(BatchError) {
        guard count >= 1 else { throw BatchError(message: "the shard count must be at least 1, got \(count)") }
        guard (0..<count).contains(index) else {
            throw BatchError(message: "the shard index must be between 0 and \(count - 1), got \(index)")
        }
        self.index = index
        self.count = count
    }

    /// Reads `INDEX/COUNT`, or `COUNT` with the index from `JOB_COMPLETION_INDEX` (Kubernetes
    /// Indexed Job) or `SLURM_ARRAY_TASK_ID` minus `SLURM_ARRAY_TASK_MIN` (Slurm array).
    public static func parse(_ text: String, environment: [String: String]) throws(BatchError) -> ShardSpec {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let count = Int(parts[parts.count - 1]) else {
            throw BatchError(message: "--shard takes INDEX/COUNT or COUNT, got '\(text)'")
        }
        if parts.count == 2 {
            guard let index = Int(parts[0]) else { throw BatchError(message: "--shard takes INDEX/COUNT, got '\(text)'") }
            return try ShardSpec(index: index, count: count)
        }
        if let raw = environment["JOB_COMPLETION_INDEX"] {
            guard let index = Int(raw) else { throw BatchError(message: "JOB_COMPLETION_INDEX is not a number: '\(raw)'") }
            return try ShardSpec(index: index, count: count)
        }
        if let raw = environment["SLURM_ARRAY_TASK_ID"] {
            guard let id = Int(raw) else { throw BatchError(message: "SLURM_ARRAY_TASK_ID is not a number: '\(raw)'") }
            let base = environment["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0
            return try ShardSpec(index: id - base, count: count)
        }
        throw BatchError(message: "--shard \(text) needs the index: give INDEX/\(text), or set JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID")
    }

    /// Whether the file at `relativePath` belongs to this shard.
    public func contains(_ relativePath: String) -> Bool {
        Int(FNV1a64.hash(relativePath) % UInt64(count)) == index
    }

    public var description: String { "\(index)/\(count)" }
}

/// The names of a run's bookkeeping files in the output directory.
public struct RunLayout: Sendable {
    public let directory: String
    public let shard: ShardSpec?

    public init(directory: String, shard: ShardSpec?) {
        self.directory = directory
        self.shard = shard
    }

    private var suffix: String { shard.map { "-\($0.index)-of-\($0.count)" } ?? "" }
    public var manifestName: String { "manifest\(suffix).jsonl" }
    public var manifest: String { directory + "/" + manifestName }
    /// Written line by line while the run goes; renamed to `manifest` at the end.
    public var partial: String { directory + "/." + manifestName + ".partial" }
    /// What a resumed run knew before it started, kept until it finishes.
    public var previous: String { directory + "/." + manifestName + ".previous" }
    public var runInfo: String { directory + "/run\(suffix).json" }
}
