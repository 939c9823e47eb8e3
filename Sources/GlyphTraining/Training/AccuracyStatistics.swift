import Foundation

/// The scan route's shortfall against the clean route over folds, in points, with a 95 %
/// interval from the per-sample differences (paired: each sample's clean rendering against its
/// own scans). It covers which samples a writer happened to write, not the training's randomness.
public struct RouteGap: Sendable, Equatable, CustomStringConvertible {
    /// Mean over folds of each fold's mean per-sample gap, in points.
    public var points: Double
    /// Half-width of the 95 % interval, in points.
    public var halfWidth: Double
    public var samples: Int

    /// nil unless every fold has per-sample gaps (at least two each).
    public init?(_ results: [FoldResult]) {
        guard !results.isEmpty, results.allSatisfy({ $0.gapBySample.count >= 2 }) else { return nil }
        var meanSum = 0.0, varianceSum = 0.0, count = 0
        for result in results {
            let d = result.gapBySample
            count += d.count
            let n = Double(d.count)
            let mean = d.reduce(0, +) / n
            let variance = d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
            meanSum += mean
            varianceSum += variance / n
        }
        let folds = Double(results.count)
        points = 100 * meanSum / folds
        halfWidth = 100 * 1.96 * varianceSum.squareRoot() / folds
        samples = count
    }

    public var description: String {
        String(format: "%.2f points, 95 %% interval %.2f … %.2f (paired by sample, %d samples)",
               points, points - halfWidth, points + halfWidth, samples)
    }
}

/// Mean, minimum, maximum and (population) standard deviation of some accuracies.
public struct AccuracySpread: Sendable, Equatable, CustomStringConvertible {
    public var mean: Double
    public var min: Double
    public var max: Double
    public var std: Double

    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        mean = values.reduce(0, +) / Double(values.count)
        min = values.min() ?? 0
        max = values.max() ?? 0
        let m = mean
        std = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count)).squareRoot()
    }

    public var description: String {
        String(format: "%.2f %% ± %.2f (min %.2f, max %.2f)", 100 * mean, 100 * std, 100 * min, 100 * max)
    }
}
