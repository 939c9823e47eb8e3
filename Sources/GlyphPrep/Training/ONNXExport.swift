import Foundation
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
            switch layer {
            case .convolution(let c):
                try builder.addInitializer("\(name).weight", Tensor(shape: c.weightShape, data: c.weight))
                try builder.addInitializer("\(name).bias", Tensor(shape: [c.bias.count], data: c.bias))
                builder.addNode("Conv", inputs: [current, "\(name).weight", "\(name).bias"], outputs: [output],
                                name: name, attributes: [
                                    "kernel_shape": .ints(c.kernelShape), "strides": .ints(c.strides),
                                    "pads": .ints(c.pads), "dilations": .ints(c.dilations), "group": .int(c.group),
                                ])
            case .relu:
                builder.addNode("Relu", inputs: [current], outputs: [output], name: name)
            case .maxPool(let p):
                builder.addNode("MaxPool", inputs: [current], outputs: [output], name: name, attributes: [
                    "kernel_shape": .ints(p.kernelShape), "strides": .ints(p.strides), "pads": .ints(p.pads),
                ])
            case .flatten:
                builder.addNode("Flatten", inputs: [current], outputs: [output], name: name, attributes: ["axis": .int(1)])
            case .gemm(let g):
                try builder.addInitializer("\(name).weight", Tensor(shape: g.weightShape, data: g.weight))
                try builder.addInitializer("\(name).bias", Tensor(shape: [g.bias.count], data: g.bias))
                builder.addNode("Gemm", inputs: [current, "\(name).weight", "\(name).bias"], outputs: [output],
                                name: name, attributes: [
                                    "alpha": .float(g.alpha), "beta": .float(g.beta), "transB": .int(g.transB ? 1 : 0),
                                ])
            case .softmax(let axis):
                builder.addNode("Softmax", inputs: [current], outputs: [output], name: name, attributes: ["axis": .int(axis)])
            }
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

    /// Serialised `.onnx` bytes of `onnxBuilder(metadata:)`.
    public func onnxData(metadata extra: [String: String] = [:]) throws -> Data {
        try onnxBuilder(metadata: extra).serializedData()
    }

    /// Writes the ONNX file atomically.
    public func writeONNX(to path: String, metadata extra: [String: String] = [:]) throws {
        try AtomicFile.write([UInt8](try onnxData(metadata: extra)), to: path)
    }
}
