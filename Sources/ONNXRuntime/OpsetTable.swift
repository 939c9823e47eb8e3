/// Per-node opset judging: instead of refusing whole opset ranges, each node is accepted when the
/// version of its operator in the model's opset is one this engine implements.
///
/// `minimumOpset[op]` is the first opset from which every version of `op` is implemented (older
/// versions differ in ways the engine does not model, e.g. Cast-1's string `to`, Tile-1's `axis`
/// input, Upsample-1's `height_scale`). Versions newer than that up to ``newestKnownOpset`` only add
/// element types or attributes that the compiler checks per node.
enum OpsetTable {
    /// The newest ai.onnx opset whose operator versions were reviewed against this engine (onnx 1.23).
    static let newestKnownOpset = 28

    static let minimumOpset: [String: Int] = {
        var t: [String: Int] = [:]
        let fromOne = ["Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Pow", "Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh",
                       "Softmax", "LogSoftmax", "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool",
                       "GlobalMaxPool", "BatchNormalization", "InstanceNormalization", "LRN", "Flatten", "Reshape", "Transpose",
                       "Squeeze", "Unsqueeze", "Concat", "Clip", "Dropout", "Identity", "Constant", "Shape", "Gather",
                       "Sum", "Min", "Max", "Mean", "Neg", "Abs", "Exp", "Log", "Sqrt", "Reciprocal", "Floor", "Ceil",
                       "Softplus", "Softsign", "Elu", "Selu", "HardSigmoid", "ThresholdedRelu", "Not", "And", "Or", "Xor",
                       "Equal", "Greater", "Less", "Slice", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin",
                       "ReduceProd", "ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp"]
        for op in fromOne { t[op] = 1 }
        t["Pad"] = 2; t["Split"] = 2; t["Cast"] = 6; t["Tile"] = 6; t["Upsample"] = 7
        t["Expand"] = 8; t["ConstantOfShape"] = 9; t["Where"] = 9; t["Sign"] = 9; t["Shrink"] = 9; t["Erf"] = 9
        t["Resize"] = 10; t["Mod"] = 10; t["Round"] = 11; t["GreaterOrEqual"] = 12; t["LessOrEqual"] = 12; t["Celu"] = 12
        t["HardSwish"] = 14; t["Mish"] = 18; t["Gelu"] = 20
        return t
    }()

    /// Throws ``ONNXError/unsupportedOperator(node:opType:detail:)`` when the node's operator version is not implemented.
    static func check(_ node: Onnx_NodeProto, name: String, opset: Int) throws {
        guard let minimum = minimumOpset[node.opType] else {
            throw ONNXError.unsupportedOperator(node: name, opType: node.opType,
                                                detail: "operator is not implemented by GlyphPrep's ONNX engine")
        }
        guard opset >= minimum else {
            throw ONNXError.unsupportedOperator(
                node: name, opType: node.opType,
                detail: "the version of \(node.opType) in opset \(opset) is not implemented (implemented from opset \(minimum))")
        }
        guard opset <= newestKnownOpset else {
            throw ONNXError.unsupportedOperator(
                node: name, opType: node.opType,
                detail: "opset \(opset) is newer than the operator versions this engine knows (up to opset \(newestKnownOpset))")
        }
    }
}
