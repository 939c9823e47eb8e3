import Foundation

/// A classifier's calibration, fit on held-out predictions: the rejection class's bias (a shift
/// of its prior; 0 without a rejection class), then the temperature and the abstention threshold
/// at that bias.
public struct CalibrationFit: Sendable, Equatable {
    public var rejectionBias: Double
    public var temperature: Double
    public var threshold: Double
    /// At this fit: the share of the scans whose top class is right, and the share of the
    /// negative examples still answered with a class at the threshold (nil without any).
    public var accuracy: Double
    public var rejectsAnswered: Double?

    /// The biases tried: 0…5 in steps of 0.25.
    public static let biasGrid = stride(from: 0.0, through: 5.0, by: 0.25).map { $0 }

    /// The fit at a given bias: the temperature with the smallest NLL over scans and negative
    /// examples, and the smallest threshold whose answered scans reach `target`.
    public init(bias: Double, scans: [Calibration.Scored], rejects: [Calibration.Scored], rejection: Int?, target: Double) {
        let scans = Calibration.shifted(scans, rejection: rejection, bias: bias)
        let rejects = Calibration.shifted(rejects, rejection: rejection, bias: bias)
        rejectionBias = bias
        temperature = Calibration.fitTemperature(scans + rejects)
        threshold = Calibration.threshold(scans, temperature: temperature, target: target, rejection: rejection)
        accuracy = Calibration.accuracy(scans)
        rejectsAnswered = rejects.isEmpty ? nil
            : Calibration.coverage(rejects, temperature: temperature, threshold: threshold, rejection: rejection).coverage
    }

    /// The bias that gives the scans' top class the highest accuracy while at most
    /// `maxRejectsAnswered` of the negative examples are answered with a class at the threshold
    /// (ties: the smaller bias; 0 when no bias keeps that limit or there is no rejection class).
    public init(scans: [Calibration.Scored], rejects: [Calibration.Scored], rejection: Int?, target: Double,
                maxRejectsAnswered: Double) {
        let unbiased = CalibrationFit(bias: 0, scans: scans, rejects: rejects, rejection: rejection, target: target)
        self = unbiased
        guard rejection != nil, !rejects.isEmpty, maxRejectsAnswered > 0 else { return }
        var best: CalibrationFit?
        for bias in Self.biasGrid {
            let fit = bias == 0 ? unbiased : CalibrationFit(bias: bias, scans: scans, rejects: rejects, rejection: rejection, target: target)
            guard (fit.rejectsAnswered ?? 0) <= maxRejectsAnswered else { continue }
            if fit.accuracy > best?.accuracy ?? -1 { best = fit }
        }
        if let best { self = best }
    }

    /// The held-out predictions at this fit's bias.
    public func shifted(_ scored: [Calibration.Scored], rejection: Int?) -> [Calibration.Scored] {
        Calibration.shifted(scored, rejection: rejection, bias: rejectionBias)
    }
}
