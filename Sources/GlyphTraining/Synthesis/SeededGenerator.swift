import Foundation

/// A deterministic pseudo-random generator (`Xoshiro256`) with the draws synthesis uses, so that
/// synthesis gives byte-identical output for the same seed on every run.
///
/// The helpers (`uniform`, `normal`, `index(below:)`, …) are defined here rather than taken from
/// the standard library's `random(in:using:)`, whose algorithms are not promised to stay the
/// same across Swift releases.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    private var state: Xoshiro256

    /// A generator for `seed`, optionally on an independent numbered `stream` (for example one
    /// per output image, so images do not depend on each other's draws).
    public init(seed: UInt64, stream: UInt64 = 0) {
        state = Xoshiro256(seed: seed, stream: stream)
    }

    public mutating func next() -> UInt64 { state.next() }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * unit()
    }

    /// Uniform in `range`.
    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        uniform(range.lowerBound, range.upperBound)
    }

    /// Log-uniform in `range` (both bounds positive): each factor of 2 equally likely.
    public mutating func logUniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound * exp(log(range.upperBound / range.lowerBound) * unit())
    }

    /// Standard normal (Box–Muller).
    public mutating func normal() -> Double {
        let u1 = max(unit(), 0x1.0p-53)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Normal with `mean` and `deviation`.
    public mutating func normal(mean: Double, deviation: Double) -> Double {
        mean + deviation * normal()
    }

    /// Uniform integer in 0..<bound (bound > 0), without modulo bias.
    public mutating func index(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        let threshold = (0 &- b) % b
        while true {
            let value = next()
            if value >= threshold { return Int(value % b) }
        }
    }

    /// Uniform integer in `range`.
    public mutating func integer(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + index(below: range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// A uniformly chosen element (nil for an empty collection).
    public mutating func element<C: RandomAccessCollection>(of items: C) -> C.Element? where C.Index == Int {
        items.isEmpty ? nil : items[items.startIndex + index(below: items.count)]
    }

    /// Fisher–Yates shuffle of `items`.
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, index(below: i + 1))
        }
    }
}

