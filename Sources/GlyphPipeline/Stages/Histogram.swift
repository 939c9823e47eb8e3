/// A histogram of integer levels, for percentiles and thresholds: 256 bins for 0…255, or
/// 511 bins for −255…255 with `offset: 255` (differences of two images).
struct Histogram {
    var counts: [Int]
    var total = 0
    let offset: Int

    init(offset: Int = 0) {
        self.offset = offset
        counts = [Int](repeating: 0, count: 256 + offset)
    }

    init(_ pixels: [Float]) {
        self.init()
        // Four interleaved partial histograms: runs of equal levels (paper) would otherwise
        // make every increment wait for the previous one to the same bin.
        var partial = [Int](repeating: 0, count: 4 * 256)
        partial.withUnsafeMutableBufferPointer { partial in
            pixels.withUnsafeBufferPointer { pixels in
                var i = 0
                while i &+ 4 <= pixels.count {
                    for lane in 0..<4 {
                        partial[lane &* 256 &+ Int(min(255, max(0, pixels[i &+ lane] + 0.5)))] &+= 1
                    }
                    i &+= 4
                }
                while i < pixels.count {
                    partial[Int(min(255, max(0, pixels[i] + 0.5)))] &+= 1
                    i &+= 1
                }
            }
        }
        for level in 0..<256 {
            counts[level] = partial[level] + partial[256 + level] + partial[512 + level] + partial[768 + level]
        }
        total = pixels.count
    }

    mutating func add(_ value: Float) {
        let level = Int(value + 0.5 + 1024) - 1024  // floor without a libm call, for values > −1024
        counts[min(counts.count - 1, max(0, level + offset))] += 1
        total += 1
    }

    /// The mean level of the lowest `percent` of the samples.
    func mean(ofLowest percent: Double) -> Double {
        mean(of: percent, levels: Array(counts.indices))
    }

    /// The mean level of the highest `percent` of the samples.
    func mean(ofHighest percent: Double) -> Double {
        mean(of: percent, levels: counts.indices.reversed())
    }

    private func mean(of percent: Double, levels: [Int]) -> Double {
        let wanted = max(1, Int(Double(total) * percent / 100))
        var taken = 0, sum = 0.0
        for index in levels where taken < wanted {
            let take = min(counts[index], wanted - taken)
            sum += Double(take * (index - offset))
            taken += take
        }
        return taken > 0 ? sum / Double(taken) : 0
    }

    /// The smallest level at or below which `percent` of the samples lie.
    func percentile(_ percent: Double) -> Float {
        guard total > 0 else { return 0 }
        return Float(Self.index(ofPercentile: percent, in: counts, total: total) - offset)
    }

    /// The first bin at which the running count reaches `percent` of `total`, over any run of
    /// bin counts (also the flat per-block histograms of `flatten_background`).
    static func index<Counts: Collection>(ofPercentile percent: Double, in counts: Counts, total: Int) -> Int
    where Counts.Element: BinaryInteger {
        let target = max(1, Int((Double(total) * percent / 100).rounded(.up)))
        var seen = 0
        for (bin, count) in counts.enumerated() {
            seen += Int(count)
            if seen >= target { return bin }
        }
        return counts.count - 1
    }

    /// Otsu's threshold: the level that maximises the between-class variance.
    func otsuThreshold() -> Float {
        guard total > 0 else { return 128 }
        var sumAll = 0.0
        for (level, count) in counts.enumerated() { sumAll += Double(level * count) }
        var weightBackground = 0.0, sumBackground = 0.0
        var best = 0.0, threshold = 0
        for level in 0..<256 {
            weightBackground += Double(counts[level])
            if weightBackground == 0 { continue }
            let weightForeground = Double(total) - weightBackground
            if weightForeground == 0 { break }
            sumBackground += Double(level * counts[level])
            let meanBackground = sumBackground / weightBackground
            let meanForeground = (sumAll - sumBackground) / weightForeground
            let between = weightBackground * weightForeground * (meanBackground - meanForeground) * (meanBackground - meanForeground)
            if between > best {
                best = between
                threshold = level
            }
        }
        return Float(threshold) + 0.5
    }
}
