import Foundation
import GlyphImaging
import GlyphPipeline

/// Classifies image files one by one (the `glyphprep classify` command): already normalized
/// images, or raw scans run through a pipeline first. Each image is judged on its own: one that
/// cannot be read or has the wrong size fails alone, with its own message.
public enum NormalizedImageClassification {
    /// One result per path, in order: a manifest record with the prediction, or the error.
    /// With `pipeline`, each file is a raw scan that the pipeline normalizes first.
    public static func classify(_ paths: [String], with classifier: any BatchClassifier,
                                pipeline: Pipeline? = nil) -> [(path: String, record: ManifestRecord)] {
        var records: [ManifestRecord] = []
        var images: [Int: Raster] = [:]
        for (index, path) in paths.enumerated() {
            var record = ManifestRecord(input: path, status: .error)
            do throws(StageFailure) {
                let (image, context) = try normalize(path, pipeline: pipeline)
                record.status = .ok
                record.width = context.sourceWidth
                record.height = context.sourceHeight
                if pipeline != nil { record.bbox = context.inkBox }
                images[index] = image
            } catch {
                record.error = error
            }
            records.append(record)
        }
        // Images of one size go to the model together; a size the model rejects fails only
        // the images of that size.
        let sizes = Dictionary(grouping: images.keys.sorted()) { index in images[index].map { [$0.width, $0.height, $0.channels] } ?? [] }
        for members in sizes.values {
            do {
                let guesses = try classifier.classify(members.compactMap { images[$0] })
                for (index, top) in zip(members, guesses) {
                    records[index].record(top, from: classifier)
                }
            } catch {
                let hint = pipeline == nil ? " (classify reads normalized images such as a run's outputs; for raw scans give --pipeline)" : ""
                for index in members {
                    let size = images[index].map { "\($0.width)×\($0.height)" } ?? "?"
                    records[index].status = .error
                    records[index].error = StageFailure(.classifyError, "a \(size) image: \(error)\(hint)")
                }
            }
        }
        return zip(paths, records).map { ($0, $1) }
    }

    /// The image the model sees: the file decoded as grayscale, or the pipeline's output.
    private static func normalize(_ path: String, pipeline: Pipeline?) throws(StageFailure) -> (Raster, StageContext) {
        var info = stat()
        if FileSystemName.withCPath(path, { stat($0, &info) }) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw StageFailure(.readError, "\(path) is a directory; give image files (`glyphprep run PIPELINE DIRECTORY -o OUT` processes a whole tree)")
        }
        let bytes: FileBytes
        do {
            bytes = try FileBytes(contentsOfFile: path)
        } catch {
            throw StageFailure(error)
        }
        if let pipeline { return try pipeline.process(bytes) }
        return try DecodeStage.decode(bytes, plan: DecodePlan(shrink: .fixed(1), lumaOnly: true))
    }
}
