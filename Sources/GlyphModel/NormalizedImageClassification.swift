import Foundation
import GlyphImaging
import GlyphPipeline

/// Classifies image files that are already normalized (the `glyphprep classify` command).
public enum NormalizedImageClassification {
    /// One result per path, in order: a manifest record with the prediction, or the error.
    public static func classify(_ paths: [String], with classifier: any BatchClassifier) -> [(path: String, record: ManifestRecord)] {
        var records: [ManifestRecord] = []
        var images: [(index: Int, image: Raster)] = []
        for (index, path) in paths.enumerated() {
            var record = ManifestRecord(input: path, status: .error)
            do {
                let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                let (image, context) = try DecodeStage.decode(FileBytes(data), plan: DecodePlan(shrink: .fixed(1), lumaOnly: true))
                record.status = .ok
                record.width = context.sourceWidth
                record.height = context.sourceHeight
                images.append((index, image))
            } catch let failure as StageFailure {
                record.error = failure
            } catch {
                record.error = StageFailure(.readError, "cannot read the file: \(error.localizedDescription)")
            }
            records.append(record)
        }
        do {
            let guesses = try classifier.classify(images.map(\.image))
            for ((index, _), top) in zip(images, guesses) {
                records[index].record(top, from: classifier)
            }
        } catch {
            for (index, _) in images {
                records[index].status = .error
                records[index].error = StageFailure(.classifyError, "\(error)")
            }
        }
        return zip(paths, records).map { ($0, $1) }
    }
}
