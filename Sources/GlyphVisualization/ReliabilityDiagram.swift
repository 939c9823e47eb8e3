import GlyphImaging
import GlyphTraining

/// A reliability diagram: predictions binned by their top probability, one bar per bin whose
/// height is the share of the bin that was right, against the diagonal a calibrated model
/// follows; each bar is labelled with its number of predictions.
public struct ReliabilityDiagram: Sendable {
    public var bins: [Calibration.ReliabilityBin]
    public var title: String

    /// Side of the square plot area in pixels, and its top-left corner on the canvas.
    public static let plotSide = 300
    public static let plotX = 56
    public static let plotY = 48
    /// The file `eval -o` writes it to; `report` shows it when the run directory has one.
    public static let fileName = "reliability.png"

    public init(bins: [Calibration.ReliabilityBin], title: String) {
        self.bins = bins
        self.title = title
    }

    /// The diagram of `confidences` (top-1 p) and whether each prediction was right, 10 bins.
    public init(confidences: [Double], correct: [Bool], title: String) {
        self.init(bins: Calibration.reliabilityBins(confidences: confidences, correct: correct, bins: 10), title: title)
    }

    /// The pixel rectangle of bin `index`'s bar (empty for an empty bin).
    public func barRect(_ index: Int) -> PixelRect {
        let side = Self.plotSide, width = side / max(bins.count, 1)
        let bin = bins[index]
        let height = bin.count > 0 ? Int((bin.accuracy * Double(side)).rounded()) : 0
        return PixelRect(x: Self.plotX + index * width + 2, y: Self.plotY + side - height, width: width - 4, height: height)
    }

    public func canvas() throws -> Canvas {
        let side = Self.plotSide, x0 = Self.plotX, y0 = Self.plotY
        var canvas = Canvas(width: x0 + side + 24, height: y0 + side + 64, background: .white)
        try canvas.text(title, x: 8, y: 6, style: .title, maxWidth: canvas.width - 16)
        try canvas.text("bars: share right; line: calibrated; numbers: files per bin",
                        x: 8, y: 26, style: .small, color: .muted, maxWidth: canvas.width - 16)
        canvas.fill(PixelRect(x: x0, y: y0, width: side, height: side), RGB(250, 250, 248))
        for index in bins.indices {
            canvas.fill(barRect(index), .bar)
        }
        for step in 0..<side {
            canvas.fill(PixelRect(x: x0 + step, y: y0 + side - 1 - step, width: 2, height: 2), .highlight)
        }
        canvas.stroke(PixelRect(x: x0, y: y0, width: side, height: side), .frame)
        let width = side / max(bins.count, 1)
        for (index, bin) in bins.enumerated() {
            try canvas.text(String(bin.count), x: x0 + index * width + 2, y: y0 + side + 4, style: .small,
                            color: .muted, maxWidth: width - 2)
        }
        for tick in [0, 5, 10] {
            let label = tick == 10 ? "1" : String(format: "%.1f", Double(tick) / 10)
            try canvas.text(label, x: x0 - 26, y: y0 + side - tick * side / 10 - 7, style: .small, color: .muted)
            try canvas.text(label, x: x0 + tick * side / 10 - 8, y: y0 + side + 22, style: .small, color: .muted)
        }
        try canvas.text("top-1 p", x: x0 + side / 2 - 20, y: y0 + side + 40, style: .small, color: .muted)
        return canvas
    }
}

extension ReliabilityDiagram {
    /// The diagram of cross-validation folds' held-out scans at `temperature` and the rejection
    /// class's bias (the ones the calibration report fits, stored in the model).
    public init(folds: [FoldResult], temperature: Double, rejectionBias: Double = 0, rejection: Int? = nil) {
        let scored = Calibration.shifted(folds.flatMap(\.scored), rejection: rejection, bias: rejectionBias)
        let decided = Calibration.decisions(scored, temperature: temperature)
        let confidences = decided.map(\.confidence), correct = zip(decided, scored).map { $0.predicted == $1.truth }
        let ece = Calibration.expectedCalibrationError(confidences: confidences, correct: correct, bins: 10)
        self.init(confidences: confidences, correct: correct,
                  title: String(format: "Held-out scans, %d folds, T = %.2f: ECE %.4f (10 bins)", folds.count, temperature, ece))
    }
}

extension Evaluation {
    /// The reliability diagram of the files the classifier ran on whose true label is one of the
    /// model's classes; nil when there are none.
    public func reliabilityDiagram() -> ReliabilityDiagram? {
        let scored = calibrationItems
        guard !scored.isEmpty else { return nil }
        let diagram = ReliabilityDiagram(confidences: scored.compactMap(\.confidence),
                                         correct: scored.map { $0.topLabel == $0.truth }, title: "")
        let ece = expectedCalibrationError ?? 0
        return ReliabilityDiagram(bins: diagram.bins, title: String(format: "Reliability — %d files, ECE %.4f (10 bins)", scored.count, ece))
    }
}
