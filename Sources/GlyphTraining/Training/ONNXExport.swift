import Foundation
import GlyphImaging
import GlyphModel
import GlyphPipeline
import ONNXRuntime

extension TrainedModel {
    /// Metadata keys written by `onnxData` besides `ONNXClassifier.MetadataKey`.
    public enum ONNXMetadataKey {
        /// One line: data, writers, seed, epochs.
        public static let training = "glyphprep.training"
    }

    /// The model as an opset-13 ONNX graph: input `image` float[N, C, H, W] → Conv / Relu /
    /// MaxPool / Flatten / Gemm nodes → Softmax → output `probabilities` float[N, classes].
    /// `metadata` entries and `glyphprep.labels` (comma-separated) are stored with the model's
    /// own metadata in `metadata_props`.
    public func onnxBuilder(metadata extra: [String: String] = [:]) throws -> ONNXModelBuilder {
        guard !labels.contains(where: { $0.contains(",") }) else {
            throw TrainingError.invalidModel("labels must not contain commas to be stored in ONNX metadata")
        }
        var builder = ONNXModelBuilder(producerName: "GlyphPrep", producerVersion: GlyphPrepVersion.string,
                                       opsetVersion: 13, graphName: "letters")
        builder.addInput("image", shape: [-1, inputShape.channels, inputShape.height, inputShape.width])
        var current = "image"
        for (index, layer) in layers.enumerated() {
            let output = index == layers.count - 1 ? "probabilities" : "t\(index)"
            let name = "\(layer.onnxOperator.lowercased())_\(index)"
            try Self.addNode(for: layer, input: current, output: output, name: name, to: &builder)
            current = output
        }
        guard current == "probabilities" else { throw TrainingError.invalidModel("the model has no layers") }
        builder.addOutput("probabilities", shape: [-1, labels.count])
        var props = metadata
        for (key, value) in extra { props[key] = value }
        props[ONNXClassifier.MetadataKey.labels] = labels.joined(separator: ",")
        builder.metadata = props
        return builder
    }

    /// An ensemble of `models` (same input, labels and layer kinds, each ending in Gemm → Softmax)
    /// as one opset-13 graph: every member runs as its own branch from input `image` up to its
    /// logits, the branches' logits are averaged (each final Gemm scaled by 1/count, then `Add`)
    /// and one `Softmax` gives `probabilities` float[N, classes]. Metadata as in
    /// `onnxBuilder(metadata:)`, from the first model.
    public static func ensembleONNXBuilder(_ models: [TrainedModel], metadata extra: [String: String] = [:]) throws -> ONNXModelBuilder {
        guard let first = models.first else { throw TrainingError.invalidModel("an ensemble needs at least one model") }
        if models.count == 1 { return try first.onnxBuilder(metadata: extra) }
        guard !first.labels.contains(where: { $0.contains(",") }) else {
            throw TrainingError.invalidModel("labels must not contain commas to be stored in ONNX metadata")
        }
        for model in models {
            guard model.inputShape == first.inputShape, model.labels == first.labels else {
                throw TrainingError.invalidModel("ensemble members differ in input shape or labels")
            }
            guard case .softmax(axis: 1) = model.layers.last, model.layers.count >= 2,
                  case .gemm = model.layers[model.layers.count - 2] else {
                throw TrainingError.invalidModel("ensemble members must end in Gemm → Softmax")
            }
        }
        var builder = ONNXModelBuilder(producerName: "GlyphPrep", producerVersion: GlyphPrepVersion.string,
                                       opsetVersion: 13, graphName: "letters")
        builder.addInput("image", shape: [-1, first.inputShape.channels, first.inputShape.height, first.inputShape.width])
        let share = 1 / Float(models.count)
        var logits: [String] = []
        for (member, model) in models.enumerated() {
            var current = "image"
            let body = model.layers.dropLast()
            for (index, layer) in body.enumerated() {
                let output = "m\(member).t\(index)"
                let name = "m\(member).\(layer.onnxOperator.lowercased())_\(index)"
                // The last Gemm gives this member's share of the averaged logits.
                try Self.addNode(for: layer, input: current, output: output, name: name,
                                 gemmScale: index == body.count - 1 ? share : 1, to: &builder)
                current = output
            }
            logits.append(current)
        }
        var sum = logits[0]
        for member in 1..<logits.count {
            let output = "logits\(member)"
            builder.addNode("Add", inputs: [sum, logits[member]], outputs: [output], name: "mean_logits_\(member)")
            sum = output
        }
        builder.addNode("Softmax", inputs: [sum], outputs: ["probabilities"], name: "softmax", attributes: ["axis": .int(1)])
        builder.addOutput("probabilities", shape: [-1, first.labels.count])
        var props = first.metadata
        for (key, value) in extra { props[key] = value }
        props[ONNXClassifier.MetadataKey.labels] = first.labels.joined(separator: ",")
        builder.metadata = props
        return builder
    }

    /// Adds the node (and initializers) of one layer; `gemmScale` multiplies a Gemm's weights
    /// and bias (an ensemble member's share of the averaged logits).
    private static func addNode(for layer: ExportedLayer, input: String, output: String, name: String,
                                gemmScale: Float = 1, to builder: inout ONNXModelBuilder) throws {
        switch layer {
        case .convolution(let c):
            try builder.addInitializer("\(name).weight", Tensor(shape: c.weightShape, data: c.weight))
            try builder.addInitializer("\(name).bias", Tensor(shape: [c.bias.count], data: c.bias))
            builder.addNode("Conv", inputs: [input, "\(name).weight", "\(name).bias"], outputs: [output],
                            name: name, attributes: [
                                "kernel_shape": .ints(c.kernelShape), "strides": .ints(c.strides),
                                "pads": .ints(c.pads), "dilations": .ints(c.dilations), "group": .int(c.group),
                            ])
        case .relu:
            builder.addNode("Relu", inputs: [input], outputs: [output], name: name)
        case .maxPool(let p):
            builder.addNode("MaxPool", inputs: [input], outputs: [output], name: name, attributes: [
                "kernel_shape": .ints(p.kernelShape), "strides": .ints(p.strides), "pads": .ints(p.pads),
            ])
        case .flatten:
            builder.addNode("Flatten", inputs: [input], outputs: [output], name: name, attributes: ["axis": .int(1)])
        case .gemm(let g):
            let weight = gemmScale == 1 ? g.weight : g.weight.map { $0 * gemmScale }
            let bias = gemmScale == 1 ? g.bias : g.bias.map { $0 * gemmScale }
            try builder.addInitializer("\(name).weight", Tensor(shape: g.weightShape, data: weight))
            try builder.addInitializer("\(name).bias", Tensor(shape: [bias.count], data: bias))
            builder.addNode("Gemm", inputs: [input, "\(name).weight", "\(name).bias"], outputs: [output],
                            name: name, attributes: [
                                "alpha": .float(g.alpha), "beta": .float(g.beta), "transB": .int(g.transB ? 1 : 0),
                            ])
        case .softmax(let axis):
            builder.addNode("Softmax", inputs: [input], outputs: [output], name: name, attributes: ["axis": .int(axis)])
        }
    }

    /// Writes the ensemble graph of `ensembleONNXBuilder(_:metadata:)` atomically.
    public static func writeEnsembleONNX(_ models: [TrainedModel], to path: String, metadata extra: [String: String] = [:]) throws {
        try AtomicFile.write([UInt8](try ensembleONNXBuilder(models, metadata: extra).serializedData()), to: path)
    }

    /// Serialised `.onnx` bytes of `onnxBuilder(metadata:)`.
    public func onnxData(metadata extra: [String: String] = [:]) throws -> Data {
        try onnxBuilder(metadata: extra).serializedData()
    }

    /// Writes the ONNX file atomically.
    public func writeONNX(to path: String, metadata extra: [String: String] = [:]) throws {
        try AtomicFile.write([UInt8](try onnxData(metadata: extra)), to: path)
    }
}
