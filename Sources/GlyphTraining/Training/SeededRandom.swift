import Foundation

/// A deterministic generator (`Xoshiro256`) with the draws training uses, so that a
/// training run is reproducible from its seed alone.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: Xoshiro256

    public init(seed: UInt64) {
        state = Xoshiro256(seed: seed)
    }

    public mutating func next() -> UInt64 { state.next() }

    /// An independent stream derived from this one, e.g. one per epoch or per worker.
    public mutating func fork() -> SeededRandom {
        SeededRandom(seed: next())
    }

    /// Uniform in [0, 1) with 24 bits of precision.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [lower, upper).
    public mutating func nextFloat(in lower: Float, _ upper: Float) -> Float {
        lower + (upper - lower) * nextUnitFloat()
    }

    /// Standard normal sample (Box–Muller, one value per call).
    public mutating func nextGaussian() -> Float {
        let u1 = max(Double(next() >> 11) * 0x1.0p-53, 1e-300)
        let u2 = Double(next() >> 11) * 0x1.0p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Uniform integer in 0..<bound without modulo bias (Lemire).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold {
                m = next().multipliedFullWidth(by: b)
            }
        }
        return Int(m.high)
    }

    /// Fisher–Yates shuffle driven by this generator only.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }
}
