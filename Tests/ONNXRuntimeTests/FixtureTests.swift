import Foundation
import ONNXRuntime
import Testing

@Suite("ONNX fixtures vs onnxruntime")
struct FixtureTests {
    @Test func fixturesArePresent() {
        #expect(Fixtures.names.count >= 60, "found \(Fixtures.names.count) fixtures")
        for required in ["dense_keras", "cnn_small", "cnn_nhwc", "conv_group2", "maxpool_ceil", "avgpool_ceil_include_pad"] {
            #expect(Fixtures.names.contains(required))
        }
    }

    @Test(arguments: Fixtures.names)
    func matchesOnnxRuntime(_ name: String) throws {
        let model = try Fixtures.model(name)
        let c = try Fixtures.testCase(name)
        let result = try model.run(try Fixtures.feeds(c))
        #expect(result.count == c.outputs.count)
        for expected in c.outputs {
            expectClose(result[expected.name], expected)
        }
    }

    @Test func cnnMetadataAndSignature() throws {
        let model = try Fixtures.model("cnn_small")
        #expect(model.producerName == "glyphprep-fixtures")
        #expect(model.opsetVersion == 13)
        #expect(model.metadata["labels"] == "abcdefghijklmnopqrstuvwxyz")
        #expect(model.inputs == [ONNXValueInfo(name: "input", shape: [-1, 1, 28, 28])])
        #expect(model.outputs == [ONNXValueInfo(name: "probs", shape: [-1, 26])])
        #expect(model.graphEndsInSoftmax)
        #expect(model.nodes.map(\.opType) == ["Conv", "BatchNormalization", "Relu", "MaxPool", "Conv", "Relu", "MaxPool",
                                              "Flatten", "Gemm", "Softmax"])
        let nhwc = try Fixtures.model("cnn_nhwc")
        #expect(nhwc.opsetVersion == 11)
        #expect(nhwc.inputs.first?.shape == [-1, 28, 28, 1])
        #expect(!nhwc.graphEndsInSoftmax, "LogSoftmax outputs are not probabilities")
        let dense = try Fixtures.model("dense_keras")
        #expect(dense.graphEndsInSoftmax)
        #expect(dense.metadata["source"] == "keras-style")
        #expect(try !Fixtures.model("relu").graphEndsInSoftmax)
    }

    /// Each batch row must equal the single-image result (dynamic batch dimension).
    @Test(arguments: ["cnn_small", "cnn_nhwc", "dense_keras"])
    func batchRowsMatchSingleImages(_ name: String) throws {
        let model = try Fixtures.model(name)
        let c = try Fixtures.testCase(name)
        let input = c.inputs[0]
        let n = input.shape[0]
        let per = input.data.count / n
        let outName = c.outputs[0].name
        let batched = try #require(try model.run(try Fixtures.feeds(c))[outName])
        let classes = batched.count / n
        for i in 0..<n {
            let single = try Tensor(shape: [1] + input.shape.dropFirst(), data: Array(input.data[(i * per)..<((i + 1) * per)]))
            let out = try #require(try model.run([input.name: single])[outName])
            #expect(out.shape == [1, classes])
            #expect(maxRelativeError(out.data, Array(batched.data[(i * classes)..<((i + 1) * classes)])) <= 1e-5)
        }
        // A larger batch than the fixture's: repeat the inputs 5 times.
        let big = try Tensor(shape: [n * 5] + input.shape.dropFirst(), data: Array([[Float]](repeating: input.data, count: 5).joined()))
        let out = try #require(try model.run([input.name: big])[outName])
        #expect(out.shape == [n * 5, classes])
        #expect(maxRelativeError(Array(out.data.suffix(n * classes)), batched.data) <= 1e-5)
    }

    @Test func intermediatesCoverEveryNode() throws {
        let model = try Fixtures.model("cnn_small")
        let c = try Fixtures.testCase("cnn_small")
        let all = try model.run(try Fixtures.feeds(c), collectIntermediates: true)
        for node in model.nodes { for output in node.outputs { #expect(all[output] != nil, "missing \(output)") } }
        #expect(all["input"]?.shape == [3, 1, 28, 28])
        #expect(all["c1"]?.shape == [3, 8, 28, 28])
        #expect(all["p1"]?.shape == [3, 8, 14, 14])
        #expect(all["p2"]?.shape == [3, 16, 6, 6])
        #expect(all["flat"]?.shape == [3, 576])
        #expect(all["r1"]?.data.allSatisfy { $0 >= 0 } == true)
        expectClose(all["probs"], c.outputs[0])
        // Intermediate int64 shape tensors are reported as floats.
        let reshape = try Fixtures.model("reshape_concat_shape").run(try Fixtures.feeds(try Fixtures.testCase("reshape_concat_shape")),
                                                                     collectIntermediates: true)
        #expect(reshape["shape"] == (try Tensor(shape: [2], data: [2, -1])))
    }

    /// One model shared by many threads (GlyphPrep runs one worker per core) gives identical results.
    @Test func concurrentRunsAgree() async throws {
        let model = try Fixtures.model("cnn_small")
        let c = try Fixtures.testCase("cnn_small")
        let feeds = try Fixtures.feeds(c)
        let reference = try #require(try model.run(feeds)["probs"])
        let results = try await withThrowingTaskGroup(of: Tensor?.self) { group in
            for _ in 0..<8 { group.addTask { try model.run(feeds)["probs"] } }
            var all: [Tensor?] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 8)
        for r in results { #expect(r == reference) }
        // The fused plan (plain run) and the node-by-node plan (intermediates) agree.
        let exact = try #require(try model.run(feeds, collectIntermediates: true)["probs"])
        #expect(maxRelativeError(exact.data, reference.data) <= 1e-5)
    }

    @Test func inputValidation() throws {
        let model = try Fixtures.model("cnn_small")
        let wrong = try Tensor(shape: [2, 1, 28, 27], repeating: 0)
        #expect(throws: ONNXError.self) { try model.run(["input": wrong]) }
        let rank = try Tensor(shape: [1, 784], repeating: 0)
        #expect(throws: ONNXError.self) { try model.run(["input": rank]) }
        #expect(throws: ONNXError.self) { try model.run([:]) }
        let ok = try Tensor(shape: [1, 1, 28, 28], repeating: 0)
        do {
            _ = try model.run(["input": ok, "extra": ok])
            Issue.record("unknown input accepted")
        } catch let e as ONNXError {
            #expect(e.description.contains("unknown input 'extra'"))
        }
        #expect(throws: ONNXError.self) { try Tensor(shape: [2, 3], data: [1, 2, 3]) }
        // Single-tensor convenience.
        let c = try Fixtures.testCase("cnn_small")
        expectClose(try model.run(try c.inputs[0].tensor), c.outputs[0])
        #expect(throws: ONNXError.self) { try Fixtures.model("add_broadcast").run(ok) }
    }
}
