import Synchronization

/// Working memory of one run (im2col columns, Winograd tiles): grown on demand and reused by every
/// node of the run and by later runs. Used by one run at a time (``ScratchPool`` hands it out).
final class Scratch: @unchecked Sendable {
    private var slots: [(pointer: UnsafeMutablePointer<Float>, count: Int)] = []

    /// At least `count` floats in `slot` (contents undefined); valid until the next call for the same slot.
    func buffer(_ slot: Int, count: Int) -> UnsafeMutablePointer<Float> {
        while slots.count <= slot { slots.append((.allocate(capacity: 1), 1)) }
        if slots[slot].count < count {
            slots[slot].pointer.deallocate()
            slots[slot] = (.allocate(capacity: count), count)
        }
        return slots[slot].pointer
    }

    deinit { for s in slots { s.pointer.deallocate() } }
}

/// The scratch areas of a model's runs: a run takes a free one (or makes one) and returns it, so
/// concurrent runs never share memory and repeated runs do not allocate their working buffers again.
final class ScratchPool: Sendable {
    private let free = Mutex<[Scratch]>([])

    func withScratch<R>(_ body: (Scratch) throws -> R) rethrows -> R {
        let scratch = free.withLock { $0.popLast() } ?? Scratch()
        defer { free.withLock { $0.append(scratch) } }
        return try body(scratch)
    }
}
