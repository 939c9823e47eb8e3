import CVips
import CVipsShims
import Foundation

/// Process-wide libvips set-up and the lock that keeps one file's libvips error message off
/// another's.
///
/// libvips keeps a single error buffer for the whole process. Normal work runs under a shared
/// lock and never reads the buffer. When a call fails, the caller repeats it under the
/// exclusive lock with a cleared buffer (`VipsRuntime.withExclusiveDiagnostics`), so the
/// message it captures was written by that call alone.
public enum VipsRuntime {
    private static let state = RuntimeState()

    /// Starts libvips (once) and applies batch settings: no operation cache and
    /// `threadsPerImage` libvips worker threads, so Dispatch workers do not oversubscribe.
    public static func start(threadsPerImage: Int = 1) throws(VipsError) {
        try state.start(threadsPerImage: threadsPerImage)
    }

    /// Runs libvips work under the shared lock.
    static func shared<T>(_ body: () throws(VipsError) -> T) throws(VipsError) -> T {
        try state.ensureStarted()
        state.lock.lockShared()
        defer { state.lock.unlock() }
        return try body()
    }

    /// Runs `body` alone in the process with a clean error buffer and returns libvips' message
    /// for it (nil when it succeeded this time).
    static func withExclusiveDiagnostics(_ body: () -> Int32) -> String? {
        state.lock.lockExclusive()
        defer { state.lock.unlock() }
        gpv_error_clear()
        let status = body()
        let message = takeErrorBuffer()
        return status == 0 ? nil : (message.isEmpty ? "libvips reported no message" : message)
    }

    /// Copies and clears the error buffer. Only meaningful under the exclusive lock.
    static func takeErrorBuffer() -> String {
        guard let raw = gpv_error_take() else { return "" }
        defer { g_free(raw) }
        return String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

private final class RuntimeState: @unchecked Sendable {
    let lock = ReadWriteLock()
    private let startLock = NSLock()
    private var started = false

    func start(threadsPerImage: Int) throws(VipsError) {
        startLock.lock()
        defer { startLock.unlock() }
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

    func ensureStarted() throws(VipsError) {
        startLock.lock()
        let isStarted = started
        startLock.unlock()
        if !isStarted { try start(threadsPerImage: 1) }
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
