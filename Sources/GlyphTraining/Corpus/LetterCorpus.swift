import Dispatch
import Foundation
import GlyphPipeline

/// The rendered UJI letters of every writer, through the training pipeline and, optionally,
/// clean renderings and a second ("naive") pipeline for comparison.
public struct LetterCorpus: Sendable {
    public var writers: [String]
    /// Realistic scans through the training pipeline.
    public var scans: [String: WriterImages]
    /// Clean renderings through the training pipeline (empty when not rendered).
    public var clean: [String: WriterImages]
    /// The same scans through the comparison pipeline (empty when none was given).
    public var naive: [String: WriterImages]
    /// Photos from the second renderer (`LetterRoute.photo`) through the training pipeline, of
    /// the writers asked for (empty when none were).
    public var photo: [String: WriterImages] = [:]
    /// Scans of each writer's negative examples through the training pipeline, labelled with the
    /// rejection class (e.g. the letters, for a digits model; empty for letters).
    public var rejects: [String: WriterImages] = [:]
    public var seconds: Double

    public init(writers: [String], scans: [String: WriterImages], clean: [String: WriterImages],
                naive: [String: WriterImages], rejects: [String: WriterImages] = [:], seconds: Double) {
        self.writers = writers
        self.scans = scans
        self.clean = clean
        self.naive = naive
        self.rejects = rejects
        self.seconds = seconds
    }

    /// Renders `samples` with `renderer`. Clean renderings use one variant. With
    /// `rejectionVariants` > 0 (and a class set with a rejection class), the samples that are
    /// negative examples are also rendered that many times each as `rejects`.
    public static func render(
        _ samples: [StrokeSample], renderer: LetterDataRenderer, pipeline: Pipeline,
        naive: Pipeline? = nil, withClean: Bool = false, rejectionVariants: Int = 0, photoWriters: Set<String> = [],
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws -> LetterCorpus {
        let started = DispatchTime.now()
        let pipelines = [pipeline] + (naive.map { [$0] } ?? [])
        let scanSets = try renderer.render(samples, route: .scan, pipelines: pipelines) { done, total in
            log("rendered \(done)/\(total) scans")
        }
        var cleanSets: [WriterImages] = []
        if withClean {
            var cleanRenderer = renderer
            cleanRenderer.variants = 1
            cleanSets = try cleanRenderer.render(samples, route: .clean, pipelines: [pipeline])[0]
        }
        var rejectSets: [WriterImages] = []
        if rejectionVariants > 0, renderer.classes.rejectionIndex != nil {
            var rejecting = renderer
            rejecting.variants = rejectionVariants
            rejecting.asRejections = true
            rejecting.seed = renderer.seed &+ 0x0BAD_D161
            rejectSets = try rejecting.render(samples, route: .scan, pipelines: [pipeline]) { done, total in
                log("rendered \(done)/\(total) negative examples")
            }[0]
        }
        var photoSets: [WriterImages] = []
        let photographed = samples.filter { photoWriters.contains($0.writer) }
        if !photographed.isEmpty {
            photoSets = try renderer.render(photographed, route: .photo, pipelines: [pipeline]) { done, total in
                log("rendered \(done)/\(total) photos (second renderer)")
            }[0]
        }
        func byWriter(_ sets: [WriterImages]) -> [String: WriterImages] {
            Dictionary(uniqueKeysWithValues: sets.map { ($0.writer, $0) })
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        var corpus = LetterCorpus(
            writers: scanSets[0].map(\.writer), scans: byWriter(scanSets[0]), clean: byWriter(cleanSets),
            naive: scanSets.count > 1 ? byWriter(scanSets[1]) : [:], rejects: byWriter(rejectSets), seconds: seconds)
        corpus.photo = byWriter(photoSets)
        return corpus
    }

    /// Scans (and negative examples) of `writers` as one training set (failed images left out).
    public func trainingImages(writers selected: [String]) throws -> LabeledImages {
        try LabeledImages.combining(selected.compactMap { scans[$0] } + selected.compactMap { rejects[$0] })
    }
}
