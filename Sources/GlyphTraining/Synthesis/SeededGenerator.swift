import Foundation

/// A deterministic pseudo-random generator (xoshiro256**, seeded through SplitMix64), so that
/// synthesis gives byte-identical output for the same seed on every run.
///
/// The helpers (`uniform`, `normal`, `index(below:)`, …) are defined here rather than taken from
/// the standard library's `random(in:using:)`, whose algorithms are not promised to stay the
/// same across Swift releases.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator for `seed`, optionally on an independent numbered `stream` (for example one
    /// per output image, so images do not depend on each other's draws).
    public init(seed: UInt64, stream: UInt64 = 0) {
        var mixer = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        if stream != 0 { _ = SeededGenerator.splitMix(&mixer) }
        s0 = SeededGenerator.splitMix(&mixer)
        s1 = SeededGenerator.splitMix(&mixer)
        s2 = SeededGenerator.splitMix(&mixer)
        s3 = SeededGenerator.splitMix(&mixer)
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// SplitMix64's step: advances `state` and returns the mixed value.
    public static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

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

