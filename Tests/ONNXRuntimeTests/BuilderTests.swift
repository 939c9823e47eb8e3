import Foundation
import ONNXRuntime
import Testing

@Suite("ONNXModelBuilder round trip")
struct BuilderTests {
    /// Conv(identity + box filter, pad 1) → Relu → MaxPool 2×2 → Reshape [0,-1] → Gemm → Softmax on [N,1,4,4].
    static func makeCNN() throws -> ONNXModelBuilder {
        var b = ONNXModelBuilder(producerName: "GlyphPrep-trainer", producerVersion: "0.1.0", opsetVersion: 13)
        b.metadata = ["labels": "abc", "normalization": "emnist"]
        b.addInput("x", shape: [-1, 1, 4, 4])
        var w = [Float](repeating: 0, count: 18)
        w[4] = 1                                        // filter 0: identity
        for i in 9..<18 { w[i] = 1.0 / 9 }              // filter 1: box blur
        b.addInitializer("w", try Tensor(shape: [2, 1, 3, 3], data: w))
        b.addInitializer("bias", try Tensor(shape: [2], data: [0, -0.25]))
        b.addNode("Conv", inputs: ["x", "w", "bias"], outputs: ["conv"], name: "conv",
                  attributes: ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1]), "auto_pad": .string("NOTSET"), "group": .int(1)])
        b.addNode("Relu", inputs: ["conv"], outputs: ["relu"])
        b.addNode("MaxPool", inputs: ["relu"], outputs: ["pool"], attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])])
        b.addNode("Constant", inputs: [], outputs: ["shape"], attributes: ["value": .int64Tensor(shape: [2], values: [0, -1])])
        b.addNode("Reshape", inputs: ["pool", "shape"], outputs: ["flat"])
        b.addInitializer("fc", try Tensor(shape: [8, 3], data: (0..<24).map { Float($0 % 7) * 0.1 - 0.3 }))
        b.addInitializer("fcb", try Tensor(shape: [3], data: [0.1, -0.2, 0.05]))
        b.addNode("Gemm", inputs: ["flat", "fc", "fcb"], outputs: ["logits"], name: "fc", attributes: ["alpha": .float(1), "beta": .float(1)])
        b.addNode("Softmax", inputs: ["logits"], outputs: ["probs"], attributes: ["axis": .int(-1)])
        b.addOutput("probs", shape: [-1, 3])
        return b
    }

    /// Independent naive reference of makeCNN() for one 4×4 image.
    static func reference(_ x: [Float]) -> [Float] {
        func px(_ i: Int, _ j: Int) -> Float { (0..<4).contains(i) && (0..<4).contains(j) ? x[i * 4 + j] : 0 }
        var maps = [[Float]](repeating: [Float](repeating: 0, count: 16), count: 2)
        for i in 0..<4 {
            for j in 0..<4 {
                maps[0][i * 4 + j] = max(0, px(i, j))
                var s: Float = 0
                for a in -1...1 { for c in -1...1 { s += px(i + a, j + c) / 9 } }
                maps[1][i * 4 + j] = max(0, s - 0.25)
            }
        }
        var flat: [Float] = []
        for m in maps {
            for i in 0..<2 { for j in 0..<2 {
                flat.append(max(m[(2 * i) * 4 + 2 * j], m[(2 * i) * 4 + 2 * j + 1], m[(2 * i + 1) * 4 + 2 * j], m[(2 * i + 1) * 4 + 2 * j + 1]))
            } }
        }
        let bias: [Float] = [0.1, -0.2, 0.05]
        var logits = bias
        for k in 0..<3 { for r in 0..<8 { logits[k] += flat[r] * (Float((r * 3 + k) % 7) * 0.1 - 0.3) } }
        let m = logits.max() ?? 0
        let e = logits.map { exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    @Test func buildSerializeLoadRun() throws {
        let builder = try Self.makeCNN()
        let data = try builder.serializedData()
        let model = try ONNXModel(serializedData: data)
        #expect(model.producerName == "GlyphPrep-trainer")
        #expect(model.producerVersion == "0.1.0")
        #expect(model.opsetVersion == 13)
        #expect(model.metadata == ["labels": "abc", "normalization": "emnist"])
        #expect(model.inputs == [ONNXValueInfo(name: "x", shape: [-1, 1, 4, 4])])
        #expect(model.outputs == [ONNXValueInfo(name: "probs", shape: [-1, 3])])
        #expect(model.graphEndsInSoftmax)
        #expect(model.nodes.first?.name == "conv")

        let images: [[Float]] = [(0..<16).map { Float($0) / 8 - 1 }, (0..<16).map { Float(($0 * 5) % 16) / 4 }, [Float](repeating: 0.5, count: 16)]
        let out = try #require(try model.run(["x": try Tensor(shape: [3, 1, 4, 4], data: images.flatMap { $0 })])["probs"])
        #expect(out.shape == [3, 3])
        for (i, image) in images.enumerated() {
            let expected = Self.reference(image)
            #expect(maxRelativeError(Array(out.data[(i * 3)..<(i * 3 + 3)]), expected) < 1e-5, "image \(i)")
        }
        // Deterministic serialisation.
        #expect(try builder.serializedData() == data)
        // Optional cross-check with the Python tools: GLYPHPREP_ONNX_EXPORT_DIR=/tmp/x swift test --filter buildSerializeLoadRun
        if let dir = ProcessInfo.processInfo.environment["GLYPHPREP_ONNX_EXPORT_DIR"] {
            try data.write(to: URL(fileURLWithPath: dir).appendingPathComponent("builder_cnn.onnx"))
            print("builder_cnn probs: \(out.data)")
        }
    }

    @Test func denseModelWithFlatInput() throws {
        var b = ONNXModelBuilder(opsetVersion: 17)
        b.addInput("input", shape: [-1, 784])
        b.addInitializer("W", try Tensor(shape: [784, 26], data: (0..<(784 * 26)).map { Float($0 % 13) * 0.001 }))
        b.addNode("Gemm", inputs: ["input", "W"], outputs: ["logits"])
        b.addNode("Softmax", inputs: ["logits"], outputs: ["probs"], attributes: ["axis": .int(1)])
        b.addOutput("probs", shape: [-1, 26])
        let model = try b.build()
        #expect(model.producerName == "GlyphPrep")
        for n in [1, 7] {
            let out = try #require(try model.run(["input": try Tensor(shape: [n, 784], repeating: 1)])["probs"])
            #expect(out.shape == [n, 26])
            for row in 0..<n { #expect(abs(out.data[(row * 26)..<(row * 26 + 26)].reduce(0, +) - 1) < 1e-5) }
            // logit k = 784 entries of W column k: sum over rows r of ((r*26+k) % 13) * 0.001
            var logits = [Float](repeating: 0, count: 26)
            for k in 0..<26 { for r in 0..<784 { logits[k] += Float((r * 26 + k) % 13) * 0.001 } }
            let m = logits.max() ?? 0
            let e = logits.map { exp($0 - m) }
            let s = e.reduce(0, +)
            #expect(maxRelativeError(Array(out.data.prefix(26)), e.map { $0 / s }) < 1e-5)
        }
    }

    @Test func builderErrorsAreTyped() throws {
        var b = ONNXModelBuilder()
        b.addInput("x", shape: [-1, 4])
        #expect(throws: ONNXError.self) { try b.serializedData() }  // no outputs
        b.addNode("Relu", inputs: ["x"], outputs: ["y"], name: "act")
        b.addNode("LSTM", inputs: ["y"], outputs: ["z"], name: "rnn")
        b.addOutput("z", shape: [-1, 4])
        do {
            _ = try b.build()
            Issue.record("unsupported operator accepted")
        } catch let e as ONNXError {
            #expect(e == .unsupportedOperator(node: "rnn", opType: "LSTM", detail: "operator is not implemented by GlyphPrep's ONNX engine"))
        }
        #expect(throws: ONNXError.self) { try b.addInitializer("s", int64Shape: [3], values: [1, 2]) }
    }
}
