/// A 256-bin histogram of 0…255 samples, for percentiles and thresholds.
struct Histogram {
    var counts = [Int](repeating: 0, count: 256)
    var total = 0

    init() {}

    init(_ pixels: [Float]) {
        for value in pixels { add(value) }
    }

    mutating func add(_ value: Float) {
        counts[Int(min(255, max(0, value + 0.5)))] += 1
        total += 1
    }

    /// The smallest level at or below which `percent` of the samples lie.
    func percentile(_ percent: Double) -> Float {
        guard total > 0 else { return 0 }
        let target = max(1, Int((Double(total) * percent / 100).rounded(.up)))
        var seen = 0
        for (level, count) in counts.enumerated() {
            seen += count
            if seen >= target { return Float(level) }
        }
        return 255
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
