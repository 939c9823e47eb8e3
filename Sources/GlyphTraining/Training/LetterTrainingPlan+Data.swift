import Foundation
import GlyphImaging
import GlyphPipeline

/// Images added to every training set, and one description per source for the model's metadata.
struct ExtraTrainingData {
    var images: LabeledImages?
    var sources: [String] = []

    mutating func add(_ more: LabeledImages, source: String) throws {
        images = try images.map { try $0.appending(more) } ?? more
        sources.append(source)
    }
}

extension LetterTrainingPlan {
    /// The EMNIST images, labelled folders and rendered fonts, in that order.
    func extraData(pipeline: Pipeline, renderer: LetterDataRenderer,
                   log: @escaping @Sendable (String) -> Void) throws -> ExtraTrainingData {
        var extra = ExtraTrainingData()
        if let emnist {
            let images = try EMNISTLetters.load(images: URL(fileURLWithPath: emnist.images),
                                                labels: URL(fileURLWithPath: emnist.labels))
            try extra.add(images, source: "EMNIST \((emnist.images as NSString).lastPathComponent) (\(images.count))")
            log("EMNIST: \(images.count) images")
        }
        for root in folders {
            let loaded = try LabeledFolder.letterImages(root: URL(fileURLWithPath: root), pipeline: pipeline)
            try extra.add(loaded.images, source: "folder \((root as NSString).lastPathComponent) (\(loaded.images.count))")
            log("\(root): \(loaded.images.count) images, \(loaded.failed) failed in the pipeline")
        }
        if !strokeFonts.isEmpty || !outlineFonts.isEmpty {
            let fonts = try LetterCorpus.render(try fontSamples(log: log), renderer: renderer, pipeline: pipeline,
                                                naive: nil, withClean: false, log: log)
            let images = try fonts.trainingImages(writers: fonts.writers)
            try extra.add(images, source: "fonts \(fonts.writers.joined(separator: ",")) (\(images.count))")
            log("fonts: \(images.count) scans of \(fonts.writers.count) fonts")
        }
        if symbolVariants > 0, classes == .lettersOrNot, !outlineFonts.isEmpty {
            let images = try symbolImages(pipeline: pipeline, renderer: renderer, log: log)
            try extra.add(images, source: "font symbols (\(images.count))")
        }
        if scribbles > 0, classes.rejectionIndex != nil {
            var rejecting = renderer
            rejecting.variants = 1
            rejecting.asRejections = true
            let drawn = try rejecting.render(Scribbles.samples(count: scribbles, seed: seed), route: .scan,
                                             pipelines: [pipeline])[0]
            let images = try LabeledImages.combining(drawn)
            try extra.add(images, source: "scribbles (\(images.count))")
            log("scribbles: \(images.count) of \(scribbles) through the pipeline")
        }
        return extra
    }

    /// The symbols of every outline font (`TrainingClasses.fontSymbols`), `symbolVariants`
    /// scans each through the pipeline, labelled with the rejection class.
    func symbolImages(pipeline: Pipeline, renderer: LetterDataRenderer,
                      log: @escaping @Sendable (String) -> Void) throws -> LabeledImages {
        var samples: [StrokeSample] = []
        for path in outlineFonts {
            let writer = "symbols-" + ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            samples += try OutlineFont.letters(from: URL(fileURLWithPath: path), writer: writer,
                                               characters: TrainingClasses.fontSymbols).samples
        }
        var rejecting = renderer
        rejecting.variants = symbolVariants
        rejecting.asRejections = true
        rejecting.seed = renderer.seed &+ 0x5E1B_0125
        let images = try LabeledImages.combining(try rejecting.render(samples, route: .scan, pipelines: [pipeline])[0])
        log("font symbols: \(images.count) scans of \(samples.count) symbols through the pipeline")
        return images
    }

    /// The letters of every font, each font a writer named `font-` and its file's name.
    func fontSamples(log: (String) -> Void) throws -> [StrokeSample] {
        func writer(_ path: String) -> String {
            "font-" + ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        }
        var samples: [StrokeSample] = []
        for path in strokeFonts {
            samples += try HersheyFont.letters(from: URL(fileURLWithPath: path), writer: writer(path), classes: classes)
        }
        for path in outlineFonts {
            let font = try OutlineFont.letters(from: URL(fileURLWithPath: path), writer: writer(path), classes: classes)
            log("font \(path): family \"\(font.family)\", \(font.samples.count) \(classes.sampleName)")
            samples += font.samples
        }
        return samples
    }

    /// The letters in `directory` rendered through the pipeline (and the comparison pipeline), or
    /// as stored in `cache` when it was rendered with the same settings; and the samples.
    func strokeCorpus(from directory: String, training: TrainingPipeline, renderer: LetterDataRenderer,
                      log: @escaping @Sendable (String) -> Void) throws -> (corpus: LetterCorpus, samples: [StrokeSample]) {
        let samples = try UnipenParser.loadDirectory(URL(fileURLWithPath: directory),
                                                     writers: writers.map(Set.init), lettersOnly: classes == .letters)
        let comparison = try comparisonFile.map { try Self.loadPipeline($0) }
        let lookalikeKey = (lookalikes ?? classes.defaultLookalikes) == classes.defaultLookalikes
            ? "" : "; lookalikes \(String((lookalikes ?? []).sorted()))"
        let classKey = classes == .letters ? "" : "; classes \(classes.rawValue); rejects \(rejectionVariants)" + lookalikeKey
        let key = "pipeline \(SHA256.hex(training.text)); writers \(Set(samples.map(\.writer)).sorted().joined(separator: ",")); "
            + "samples \(samples.count); variants \(variants); seed \(seed); "
            + "sizes \(sizeRange.lowerBound)-\(sizeRange.upperBound); clean 112/0.04" + classKey
        let photoWriters = evaluationRenderers.contains(.photo)
            ? Set(crossValidation ? foldWriters ?? Set(samples.map(\.writer)).sorted() : holdout) : []
        let photoKey = photoWriters.isEmpty ? "" : "; photo \(photoWriters.sorted().joined(separator: ","))"
        let compareKey = photoKey + "; compare " + (comparison.map { SHA256.hex($0.text) } ?? "none")
        let corpus: LetterCorpus
        if let cache, let stored = LetterCorpus.cached(at: cache, accepts: {
            comparison == nil ? $0.hasPrefix(key + photoKey + "; compare ") : $0 == key + compareKey
        }) {
            corpus = stored
            log("reusing the rendered images in \(cache)")
        } else {
            corpus = try LetterCorpus.render(samples, renderer: renderer, pipeline: training.pipeline,
                                             naive: comparison?.pipeline, withClean: crossValidation || cache != nil,
                                             rejectionVariants: rejectionVariants, photoWriters: photoWriters, log: log)
            if let cache { try corpus.store(at: cache, key: key + compareKey) }
        }
        log(Self.renderedLine(corpus))
        return (corpus, samples)
    }
}
