import CVips
import CVipsShims
import Foundation
import Synchronization

/// Process-wide libvips set-up and the lock that keeps one file's libvips error message off
/// another's.
///
/// libvips keeps a single error buffer for the whole process. Normal work runs under a shared
/// lock and never reads the buffer. A failed call is repeated under the exclusive lock with a
/// cleared buffer, so the message it captures was written by that call alone.
public enum VipsRuntime {
    private static let state = RuntimeState()

    /// Starts libvips (once) and applies batch settings: no operation cache and
    /// `threadsPerImage` libvips worker threads, so Dispatch workers do not oversubscribe.
    public static func start(threadsPerImage: Int = 1) throws(VipsError) {
        try state.start(threadsPerImage: threadsPerImage)
    }

    /// Each stage allocates image-sized buffers: keep them on the heap instead of mapping and
    /// zero-filling fresh pages for every one (glibc maps blocks over 128 KiB by default).
    public static func keepImageBuffersOnHeap() {
        gpv_heap_threshold(32 << 20)
    }

    /// Runs one libvips call (`attempt` returns nil on failure). On failure the call is
    /// repeated alone in the process with a clean error buffer, so the thrown error carries
    /// this call's message and no other thread's.
    static func perform<T>(_ operation: String, _ attempt: () -> T?) throws(VipsError) -> T {
        try state.ensureStarted()
        if state.ownsExclusive {
            if let result = attempt() { return result }
            throw VipsError(operation: operation, message: takeErrorBuffer().orUnknown)
        }
        state.lock.lockShared()
        let first = attempt()
        state.lock.unlock()
        if let first { return first }
        return try exclusively { () throws(VipsError) -> T in
            if let result = attempt() { return result }
            throw VipsError(operation: operation, message: takeErrorBuffer().orUnknown)
        }
    }

    /// Runs `body` with no other libvips work in the process and a cleared error buffer.
    /// Use it to repeat a failed multi-step job (such as a lazy decode, whose failure surfaces
    /// only when pixels are computed) so its message is its own. Re-entrant.
    static func exclusively<T>(_ body: () throws(VipsError) -> T) throws(VipsError) -> T {
        try state.ensureStarted()
        if state.ownsExclusive { return try body() }
        state.lock.lockExclusive()
        state.setOwner(true)
        gpv_error_clear()
        defer {
            gpv_error_clear()
            state.setOwner(false)
            state.lock.unlock()
        }
        return try body()
    }

    /// Copies and clears the error buffer. Only meaningful under the exclusive lock.
    static func takeErrorBuffer() -> String {
        guard let raw = gpv_error_take() else { return "" }
        defer { g_free(raw) }
        return String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

private final class RuntimeState: Sendable {
    let lock = ReadWriteLock()
    private let started = Mutex(false)
    private let exclusiveOwner = Atomic<UInt>(0)

    var ownsExclusive: Bool { exclusiveOwner.load(ordering: .acquiring) == UInt(bitPattern: Int(bitPattern: pthread_self())) }

    func setOwner(_ owning: Bool) {
        exclusiveOwner.store(owning ? UInt(bitPattern: Int(bitPattern: pthread_self())) : 0, ordering: .releasing)
    }

    func start(threadsPerImage: Int) throws(VipsError) {
        try started.withLock { (started: inout Bool) throws(VipsError) in
            if !started {
                // Keep libvips' own warnings (e.g. "premature end of JPEG") out of the user's
                // terminal: failures are reported through the manifest instead.
                setenv("VIPS_WARNING", "0", 0)
                if gpv_init("glyphprep") != 0 {
                    throw VipsError(operation: "vips_init", message: VipsRuntime.takeErrorBuffer())
                }
                started = true
            }
            gpv_configure_batch(Int32(clamping: threadsPerImage))
        }
    }

    func ensureStarted() throws(VipsError) {
        if !started.withLock({ $0 }) { try start(threadsPerImage: 1) }
    }
}

/// A pthread read-write lock with a stable address.
final class ReadWriteLock: @unchecked Sendable {
    private let handle: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        handle = .allocate(capacity: 1)
        handle.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(handle, nil)
    }

    deinit {
        pthread_rwlock_destroy(handle)
        handle.deallocate()
    }

    func lockShared() { pthread_rwlock_rdlock(handle) }
    func lockExclusive() { pthread_rwlock_wrlock(handle) }
    func unlock() { pthread_rwlock_unlock(handle) }
}

extension String {
    var orUnknown: String { isEmpty ? "libvips gave no message" : self }
}
