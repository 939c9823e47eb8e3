import ArgumentParser
import Foundation
import GlyphImaging
import GlyphTraining

extension GlyphPrepCommand {
    /// `glyphprep calibrate`: stores a temperature and threshold in a trained model without
    /// retraining it.
    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a calibration (temperature, abstention threshold) in a trained ONNX model.",
            discussion: """
            The result is byte for byte the model `train` writes when given the same --temperature, \
            --threshold and --rejection-bias, so a model can be calibrated once its cross-validation has reported \
            them. Example:
              glyphprep calibrate models/letters.onnx --temperature 1.52 --threshold 0.74
            """)

        @Argument(help: "The .onnx model to calibrate.")
        var model: String

        @Option(help: "Temperature the logits are divided by (from `train --folds`).")
        var temperature: Double

        @Option(help: "Abstention threshold: classify's default min_confidence (0 answers everything).")
        var threshold: Double

        @Option(help: "Rejection bias (from `train --folds`): subtracted from the rejection class's logit.")
        var rejectionBias: Double?

        @Option(name: .shortAndLong, help: "Where to write the calibrated model (default: replace MODEL).")
        var output: String?

        func validate() throws {
            guard temperature > 0, temperature.isFinite else { throw ValidationError("--temperature must be positive") }
            guard (0...1).contains(threshold) else { throw ValidationError("--threshold must be in 0…1") }
            if let rejectionBias, !(rejectionBias.isFinite && rejectionBias >= 0) {
                throw ValidationError("--rejection-bias must not be negative")
            }
        }

        func run() throws {
            guard let data = FileManager.default.contents(atPath: model) else { throw CommandError("cannot read \(model)") }
            let calibrated: Data
            do {
                calibrated = try LetterTrainingPlan.recalibrated(data, temperature: temperature, threshold: threshold,
                                                             rejectionBias: rejectionBias)
            } catch {
                throw CommandError("\(model): \(error)")
            }
            try AtomicFile.write([UInt8](calibrated), to: output ?? model)
        }
    }
}
