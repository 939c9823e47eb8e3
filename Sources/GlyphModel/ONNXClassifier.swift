import Foundation
import GlyphImaging
import GlyphPipeline
import ONNXRuntime

/// Runs an ONNX classifier on normalized images, many at a time, and explains itself layer by
/// layer for previews.
public struct ONNXClassifier: Classifying, ActivationSource {
    public let model: ONNXModel
    public let options: ClassifyOptions
    public let labels: [String]
    /// The input layout actually used (resolved from the model when `auto`).
    public let layout: ClassifyOptions.Layout
    private let inputName: String
    private let outputName: String
    private let applySoftmax: Bool
    /// The calibration temperature the logits are divided by (`glyphprep.temperature`, else 1).
    public let temperature: Double
    /// Subtracted from the rejection class's logit before the temperature (`glyphprep.rejection_bias`, else 0).
    public let rejectionBias: Double
    private let rejectionIndex: Int?
    /// Below this top probability the prediction is withheld (`low_confidence`); 0 never withholds.
    public let minConfidence: Double
    /// The class that means "none of the others" (`glyphprep.rejection`, e.g. `not_a_digit`).
    public let rejectionLabel: String?

    /// Metadata keys GlyphPrep writes into the models it trains.
    public enum MetadataKey {
        public static let labels = "glyphprep.labels"
        public static let pipeline = "glyphprep.pipeline"
        /// Calibration: softmax(logits / T), T fit on leave-one-writer-out predictions.
        public static let temperature = "glyphprep.temperature"
        /// The abstention threshold found by the same cross-validation (classify's default).
        public static let threshold = "glyphprep.threshold"
        /// The label of the rejection class, e.g. `not_a_digit`.
        public static let rejection = "glyphprep.rejection"
        /// A shift of the rejection class's prior fit by the same cross-validation: its logit minus this.
        public static let rejectionBias = "glyphprep.rejection_bias"
    }

    /// The manifest's `reason` when the top probability is under the threshold.
    public static let lowConfidence = "low_confidence"

    public init(model: ONNXModel, options: ClassifyOptions) throws(ClassifierError) {
        self.model = model
        self.options = options
        guard let input = model.inputs.first, let output = model.outputs.first else {
            throw ClassifierError("the model has no inputs or no outputs")
        }
        inputName = input.name
        outputName = output.name
        layout = try Self.resolveLayout(options.layout, inputShape: input.shape)
        let classes = output.shape.last ?? -1
        if let given = options.labels {
            labels = given
        } else if let stored = model.metadata[MetadataKey.labels] {
            labels = stored.split(separator: ",").map { String($0) }
        } else if classes == 26 {
            labels = (0..<26).map { String(UnicodeScalar(UInt8(97 + $0))) }
        } else {
            labels = (0..<max(0, classes)).map(String.init)
        }
        if classes > 0 && labels.count != classes {
            throw ClassifierError("the model has \(classes) outputs but \(labels.count) labels")
        }
        switch options.softmax {
        case .always: applySoftmax = true
        case .never: applySoftmax = false
        case .auto: applySoftmax = !model.graphEndsInSoftmax
        }
        let calibration = try Self.calibration(model.metadata, labels: labels)
        temperature = calibration.temperature
        rejectionLabel = calibration.rejection
        rejectionBias = calibration.rejectionBias
        if let rejection = calibration.rejection { rejectionIndex = labels.firstIndex(of: rejection) } else { rejectionIndex = nil }
        minConfidence = options.minConfidence ?? calibration.threshold ?? 0
    }

    /// The temperature, threshold, rejection label and bias a model's metadata records.
    static func calibration(_ metadata: [String: String], labels: [String])
        throws(ClassifierError) -> (temperature: Double, threshold: Double?, rejection: String?, rejectionBias: Double) {
        var temperature = 1.0
        if let text = metadata[MetadataKey.temperature] {
            guard let value = Double(text), value.isFinite, value > 0 else {
                throw ClassifierError("the model's \(MetadataKey.temperature) '\(text)' is not a positive number")
            }
            temperature = value
        }
        var threshold: Double?
        if let text = metadata[MetadataKey.threshold] {
            guard let value = Double(text), (0...1).contains(value) else {
                throw ClassifierError("the model's \(MetadataKey.threshold) '\(text)' is not in 0…1")
            }
            threshold = value
        }
        let rejection = metadata[MetadataKey.rejection]
        if let rejection, !labels.contains(rejection) {
            throw ClassifierError("the model's rejection class '\(rejection)' is not among its labels")
        }
        var bias = 0.0
        if let text = metadata[MetadataKey.rejectionBias] {
            guard let value = Double(text), value.isFinite, rejection != nil else {
                throw ClassifierError("the model's \(MetadataKey.rejectionBias) '\(text)' is not a number or it has no rejection class")
            }
            bias = value
        }
        return (temperature, threshold, rejection, bias)
    }

    /// Loads `options.model`: a path (relative paths are tried against `baseDirectory`, then the
    /// working directory), or the name of a model in `models/`.
    public init(options: ClassifyOptions, baseDirectory: URL?) throws(ClassifierError) {
        let url = try Self.locate(options.model, baseDirectory: baseDirectory)
        let model: ONNXModel
        do {
            model = try ONNXModel(contentsOf: url)
        } catch {
            throw ClassifierError("cannot load \(url.path): \(error)")
        }
        try self.init(model: model, options: options)
    }

    static func locate(_ reference: String, baseDirectory: URL?) throws(ClassifierError) -> URL {
        let manager = FileManager.default
        var candidates: [URL] = []
        if reference.hasPrefix("/") {
            candidates.append(URL(fileURLWithPath: reference))
        } else {
            if let baseDirectory { candidates.append(baseDirectory.appendingPathComponent(reference)) }
            candidates.append(URL(fileURLWithPath: reference))
            let named = reference.hasSuffix(".onnx") ? reference : reference + ".onnx"
            if let baseDirectory {
                candidates.append(baseDirectory.deletingLastPathComponent().appendingPathComponent("models/" + named))
            }
            candidates.append(URL(fileURLWithPath: "models/" + named))
            // Beside the program: a checkout (.build/…/release/glyphprep) or an installation.
            var directory = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<4 {
                guard let current = directory, current.path != "/" else { break }
                candidates.append(current.appendingPathComponent("models/" + named))
                directory = current.deletingLastPathComponent()
            }
        }
        if let found = candidates.first(where: { manager.fileExists(atPath: $0.path) }) { return found }
        throw ClassifierError("model '\(reference)' not found (looked in \(candidates.map(\.path).joined(separator: ", ")))")
    }

    static func resolveLayout(_ layout: ClassifyOptions.Layout, inputShape: [Int]) throws(ClassifierError) -> ClassifyOptions.Layout {
        guard layout == .auto else { return layout }
        switch inputShape.count {
        case 4 where inputShape[1] == 1: return .nchw
        case 4 where inputShape[3] == 1: return .nhwc
        case 3: return .hw
        case 2: return .flat
        default: throw ClassifierError("cannot tell the input layout from shape \(inputShape); set classify's layout")
        }
    }

    /// The input tensor for a batch of equally sized grayscale images.
    func inputTensor(_ images: [Raster]) throws -> Tensor {
        guard let first = images.first else { return try Tensor(shape: [0], data: []) }
        let height = first.height, width = first.width
        var data = [Float]()
        data.reserveCapacity(images.count * width * height)
        let scale = Float(options.scale), mean = Float(options.mean), std = Float(options.std)
        for image in images {
            guard image.width == width, image.height == height, image.channels == 1 else {
                throw ClassifierError("classify needs equally sized grayscale images; got \(image.width)×\(image.height)×\(image.channels)")
            }
            for y in 0..<height {
                for x in 0..<width {
                    let value = options.transpose ? image[y, x] : image[x, y]
                    data.append((value * scale - mean) / std)
                }
            }
        }
        let rows = options.transpose ? width : height, columns = options.transpose ? height : width
        let shape: [Int]
        switch layout {
        case .nchw, .auto: shape = [images.count, 1, rows, columns]
        case .nhwc: shape = [images.count, rows, columns, 1]
        case .hw: shape = [images.count, rows, columns]
        case .flat: shape = [images.count, rows * columns]
        }
        return try Tensor(shape: shape, data: data)
    }

    /// Images per inference call. Every call has exactly this many rows (the last one padded
    /// with blank images): BLAS picks its kernels and summation order by matrix size, so a
    /// fixed size makes each image's result independent of which images share its batch —
    /// and the manifest byte-identical whatever `--jobs`, resuming or sharding did.
    public static let batchSize = 32

    /// Class probabilities for each image.
    public func probabilities(_ images: [Raster]) throws -> [[Float]] {
        guard let first = images.first else { return [] }
        let blank = Raster(width: first.width, height: first.height)
        var rows: [[Float]] = []
        rows.reserveCapacity(images.count)
        for start in stride(from: 0, to: images.count, by: Self.batchSize) {
            var batch = Array(images[start..<min(images.count, start + Self.batchSize)])
            let real = batch.count
            batch += Array(repeating: blank, count: Self.batchSize - real)
            rows += try scores(batch).prefix(real)
        }
        return rows
    }

    /// One inference call: a row of (soft-maxed) scores per image.
    private func scores(_ images: [Raster]) throws -> [[Float]] {
        let outputs = try model.run([inputName: inputTensor(images)])
        guard let scores = outputs[outputName] else { throw ClassifierError("the model produced no '\(outputName)'") }
        let classes = scores.count / images.count
        guard classes * images.count == scores.count, classes == labels.count else {
            throw ClassifierError("the model's output \(scores.shape) does not match \(images.count) images × \(labels.count) labels")
        }
        return (0..<images.count).map { index in
            let row = Array(scores.data[(index * classes)..<((index + 1) * classes)])
            return calibrated(row)
        }
    }

    /// A row of the model's outputs as probabilities at the calibration temperature (the
    /// rejection class's logit first lowered by its bias).
    func calibrated(_ row: [Float]) -> [Float] {
        if temperature == 1 && rejectionBias == 0 { return applySoftmax ? Self.softmax(row) : row }
        var logits = applySoftmax ? row : row.map { Foundation.log(max($0, 1e-30)) }
        if let rejectionIndex, rejectionBias != 0 { logits[rejectionIndex] -= Float(rejectionBias) }
        return Self.softmax(logits.map { $0 / Float(temperature) })
    }

    /// The prediction to record for an image's guesses: none when the rejection class comes
    /// first, however sure (its label is the reason), or below `minConfidence` (`low_confidence`).
    public func decide(_ top: [ManifestRecord.Guess]) -> (prediction: String?, reason: String?) {
        guard let best = top.first else { return (nil, nil) }
        if best.label == rejectionLabel { return (nil, best.label) }
        if Double(best.probability) < minConfidence { return (nil, Self.lowConfidence) }
        return (best.label, nil)
    }

    public func classify(_ images: [Raster]) throws -> [[ManifestRecord.Guess]] {
        try probabilities(images).map { row in
            row.enumerated()
                .sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
                .prefix(options.topK)
                .map { ManifestRecord.Guess(label: labels[$0.offset], probability: $0.element) }
        }
    }

    /// Every node's output for one image, in graph order, the final probabilities last.
    public func activations(for image: Raster) throws -> [LayerActivation] {
        let values = try model.run([inputName: inputTensor([image])], collectIntermediates: true)
        var layers: [LayerActivation] = []
        for node in model.nodes where !["Constant", "Identity", "Dropout", "Reshape", "Flatten", "Shape", "Cast"].contains(node.opType) {
            guard let name = node.outputs.first, let tensor = values[name] else { continue }
            let shape = Array(tensor.shape.drop(while: { $0 == 1 }))
            layers.append(LayerActivation(name: node.name.isEmpty ? "\(node.opType) \(name)" : node.name,
                                          shape: shape.isEmpty ? [tensor.count] : shape, values: tensor.data))
        }
        if applySoftmax || temperature != 1, let last = layers.last, last.values.count == labels.count {
            let name = temperature != 1 ? String(format: "calibrated (T = %.2f)", temperature) : "softmax"
            layers.append(LayerActivation(name: name, shape: [labels.count], values: calibrated(last.values)))
        }
        return layers
    }

    /// exp(v − max) / Σ: probabilities from a model's raw outputs.
    public static func softmax(_ values: [Float]) -> [Float] {
        guard let peak = values.max() else { return values }
        let exponentials = values.map { Foundation.exp($0 - peak) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { $0 / total }
    }

    /// How the pipeline recorded in the model differs from `pipeline`, or nil when they agree
    /// (or the model recorded none).
    public func pipelineMismatch(with pipeline: Pipeline) -> String? {
        guard let recorded = model.metadata[MetadataKey.pipeline],
              let trained = try? PipelineConfiguration.parse(yaml: recorded, source: "model metadata") else { return nil }
        let expected = PipelineDescription.stageSummaries(trained)
        // A page pipeline's letters go through the same stages, with `segment` between.
        let actual = PipelineDescription.stageSummaries(pipeline.configuration).filter { !$0.hasPrefix(SegmentStage.name + " (") }
        guard expected != actual else { return nil }
        for index in 0..<max(expected.count, actual.count) {
            let want = index < expected.count ? expected[index] : "nothing"
            let have = index < actual.count ? actual[index] : "nothing"
            if want != have {
                return "the model was trained with '\(want)' at stage \(index + 1), this pipeline has '\(have)'; predictions on images prepared differently are unreliable"
            }
        }
        return nil
    }
}

/// A model that cannot be used as configured.
public struct ClassifierError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
