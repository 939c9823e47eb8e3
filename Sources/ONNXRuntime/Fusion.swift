/// An executable node sequence plus, per value, the index of the last node reading it (to free memory early).
struct Plan: Sendable {
    let nodes: [CompiledNode]
    let lastUse: [String: Int]

    init(_ nodes: [CompiledNode]) {
        self.nodes = nodes
        var last: [String: Int] = [:]
        for (i, n) in nodes.enumerated() { for name in n.inputs where !name.isEmpty { last[name] = i } }
        lastUse = last
    }
}

/// Load-time graph fusion for plain inference (not used when intermediates are collected):
/// Conv → BatchNormalization folds the normalisation into the convolution's weights and bias,
/// Conv → Add (a residual: the other operand is computed earlier) and Conv → Relu are applied in the
/// convolution's output pass, and Add → Relu is one pass (Sum of two inputs counts as Add).
/// A pair is fused only when the first node's output feeds nothing else and is not a graph output.
func fuse(_ nodes: [CompiledNode], initializers: inout [String: Value], graphOutputs: Set<String>) -> [CompiledNode] {
    var consumers: [String: Int] = [:]
    for n in nodes { for name in n.inputs where !name.isEmpty { consumers[name, default: 0] += 1 } }
    func privateOutput(_ n: CompiledNode) -> String? {
        guard n.outputs.count == 1, let out = n.outputs.first, consumers[out] == 1, !graphOutputs.contains(out) else { return nil }
        return out
    }
    func floatInit(_ name: String) -> Tensor? {
        if case .float(let t)? = initializers[name] { return t }
        return nil
    }
    func isAdd(_ n: CompiledNode) -> Bool {
        switch n.op {
        case .binary(.add, nil): return n.inputs.count == 2
        case .variadic(.sum): return n.inputs.count == 2 && !n.inputs.contains("")
        default: return false
        }
    }
    var result: [CompiledNode] = []
    for node in nodes {
        if let prev = result.last, isAdd(prev), case .relu = node.op,
           let link = privateOutput(prev), node.inputs.first == link {
            result[result.count - 1] = CompiledNode(name: prev.name + "+" + node.name, opType: "Add+Relu", inputs: prev.inputs,
                                                    outputs: node.outputs, op: .addRelu)
            continue
        }
        guard let prev = result.last, case .conv(let cfg, let group, var fusion) = prev.op, !fusion.relu,
              let link = privateOutput(prev), node.inputs.contains(link) else {
            result.append(node)
            continue
        }
        let fusedName = prev.name + "+" + node.name
        switch node.op {
        case .relu where node.inputs.first == link:
            fusion.relu = true
            result[result.count - 1] = CompiledNode(name: fusedName, opType: prev.opType + "+Relu", inputs: prev.inputs,
                                                    outputs: node.outputs, op: .conv(cfg, group: group, fusion: fusion))
        case _ where isAdd(node) && !fusion.residual && prev.inputs.count >= 2:
            guard let other = node.inputs.first(where: { $0 != link }) else { result.append(node); continue }
            let biasName = prev.inputs.count > 2 && !prev.inputs[2].isEmpty ? prev.inputs[2] : ""
            fusion.residual = true
            result[result.count - 1] = CompiledNode(name: fusedName, opType: prev.opType + "+Add", inputs: [prev.inputs[0], prev.inputs[1], biasName, other],
                                                    outputs: node.outputs, op: .conv(cfg, group: group, fusion: fusion))
        case .batchNorm(let epsilon) where !fusion.residual && node.inputs.first == link:
            guard prev.inputs.count >= 2, let w = floatInit(prev.inputs[1]), w.rank == 4,
                  node.inputs.count == 5,
                  let scale = floatInit(node.inputs[1]), let beta = floatInit(node.inputs[2]),
                  let mean = floatInit(node.inputs[3]), let variance = floatInit(node.inputs[4]) else {
                result.append(node)
                continue
            }
            let m = w.shape[0]
            let bias: Tensor? = prev.inputs.count > 2 && !prev.inputs[2].isEmpty ? floatInit(prev.inputs[2]) : nil
            let hasBiasInput = prev.inputs.count > 2 && !prev.inputs[2].isEmpty
            guard [scale, beta, mean, variance].allSatisfy({ $0.count == m }), !hasBiasInput || bias?.count == m else {
                result.append(node)
                continue
            }
            let per = w.count / max(m, 1)
            var wData = w.data
            var bData = [Float](repeating: 0, count: m)
            for f in 0..<m {
                let a = scale.data[f] / (variance.data[f] + epsilon).squareRoot()
                for i in 0..<per { wData[f * per + i] *= a }
                bData[f] = ((bias?.data[f] ?? 0) - mean.data[f]) * a + beta.data[f]
            }
            let wName = "\u{1}fused/\(prev.name)/\(node.name)/W", bName = "\u{1}fused/\(prev.name)/\(node.name)/B"
            initializers[wName] = .float(Tensor(uncheckedShape: w.shape, data: wData))
            initializers[bName] = .float(Tensor(uncheckedShape: [m], data: bData))
            result[result.count - 1] = CompiledNode(name: fusedName, opType: "Conv+BatchNormalization",
                                                    inputs: [prev.inputs[0], wName, bName], outputs: node.outputs,
                                                    op: .conv(cfg, group: group, fusion: fusion))
        default:
            result.append(node)
        }
    }
    return result
}

/// Load-time constant folding for the fused plan: a node whose inputs are all initializers (e.g. the
/// ConstantOfShape weights of the model zoo's "light" models, or a Constant feeding a Reshape) is run
/// once and its outputs become initializers, so that Conv+BatchNormalization folding sees the weights.
/// A node whose kernel fails is kept, so the load-time shape check reports the error as before.
func foldConstants(_ nodes: [CompiledNode], initializers: inout [String: Value]) -> [CompiledNode] {
    var result: [CompiledNode] = []
    for node in nodes {
        let inputs = node.inputs.filter { !$0.isEmpty }
        guard inputs.allSatisfy({ initializers[$0] != nil }), !node.outputs.contains(where: { $0.isEmpty }),
              let values = try? execute(node, node.inputs.map { $0.isEmpty ? nil : initializers[$0] }),
              values.count == node.outputs.count else {
            result.append(node)
            continue
        }
        for (name, value) in zip(node.outputs, values) { initializers[name] = value }
    }
    return result
}

/// Load-time Winograd filter transforms for the fused plan: every Conv with constant 3×3 weights, one
/// group, stride 1 and dilation 1 gets its transformed filters (whether they are used is decided per run).
func prepareWinograd(_ nodes: [CompiledNode], initializers: [String: Value]) -> [CompiledNode] {
    nodes.map { node in
        guard case .conv(let cfg, let group, var fusion) = node.op, group == 1, node.inputs.count >= 2,
              case .float(let w)? = initializers[node.inputs[1]],
              cfg.kernelShape == nil || cfg.kernelShape == [3, 3], (cfg.strides ?? [1, 1]) == [1, 1],
              (cfg.dilations ?? [1, 1]) == [1, 1], let filter = WinogradFilter(w), filter.worthwhile else { return node }
        fusion.winograd = filter
        return CompiledNode(name: node.name, opType: node.opType, inputs: node.inputs, outputs: node.outputs,
                            op: .conv(cfg, group: group, fusion: fusion))
    }
}
