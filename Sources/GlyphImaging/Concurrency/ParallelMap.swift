import Dispatch
import Synchronization

/// The one way GlyphPrep spreads work over threads: `body` runs for every index of
/// `0..<count` on up to `jobs` Dispatch workers, which take the indices in order; results
/// come back in index order whatever the timing, so outputs do not depend on `jobs`.
public enum ParallelMap {
    /// Every index's outcome, in index order. An index is not started (nil) once `stop`
    /// returns true or, with `stopOnError`, once any index has failed.
    public static func results<Value: Sendable>(
        count: Int, jobs: Int, stopOnError: Bool = false, stop: @Sendable () -> Bool = { false },
        _ body: @Sendable (Int) throws -> Value
    ) -> [Result<Value, any Error>?] {
        guard count > 0 else { return [] }
        let slots = Mutex<[Result<Value, any Error>?]>(Array(repeating: nil, count: count))
        let next = Atomic<Int>(0)
        let failed = Atomic<Bool>(false)
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, count))) { _ in
            while !stop() && !(stopOnError && failed.load(ordering: .relaxed)) {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < count else { break }
                let outcome = Result { try body(index) }
                if case .failure = outcome { failed.store(true, ordering: .relaxed) }
                slots.withLock { $0[index] = outcome }
            }
        }
        return slots.withLock { $0 }
    }

    /// Every index's value in index order, or the error of the lowest index that failed
    /// (the work stops being handed out at the first failure).
    public static func map<Value: Sendable>(count: Int, jobs: Int, _ body: @Sendable (Int) throws -> Value) throws -> [Value] {
        var values: [Value] = []
        values.reserveCapacity(count)
        for outcome in results(count: count, jobs: jobs, stopOnError: true, body) {
            guard let outcome else { continue }
            values.append(try outcome.get())
        }
        guard values.count == count else { throw ParallelMapError.unfinished(done: values.count, count: count) }
        return values
    }
}

/// Work that `ParallelMap.map` handed out did not all come back.
public enum ParallelMapError: Error, Sendable, CustomStringConvertible {
    case unfinished(done: Int, count: Int)

    public var description: String {
        switch self {
        case .unfinished(let done, let count): "only \(done) of \(count) tasks finished"
        }
    }
}
