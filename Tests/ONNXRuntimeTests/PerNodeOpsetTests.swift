import Foundation
import ONNXRuntime
import Testing

@Suite("Per-node opset judging and unsupported-node listing")
struct PerNodeOpsetTests {
    func model(opset: Int, nodes: [(String, [String], [String], String)], attributes: [String: [String: ONNXAttribute]] = [:]) throws -> Data {
        var b = ONNXModelBuilder(opsetVersion: opset)
        b.addInput("x", shape: [-1, 4])
        for (op, ins, outs, name) in nodes { b.addNode(op, inputs: ins, outputs: outs, name: name, attributes: attributes[name] ?? [:]) }
        b.addOutput(nodes.last?.2.first ?? "x", shape: [-1, 4])
        return try b.serializedData()
    }

    @Test func oldOpsetLoadsWhenEveryOperatorVersionIsImplemented() throws {
        let data = try model(opset: 5, nodes: [("Relu", ["x"], ["y"], "act")])
        let m = try ONNXModel(serializedData: data)
        #expect(m.opsetVersion == 5)
        let out = try m.run(try Tensor(shape: [1, 4], data: [-1, 2, -3, 4]))
        #expect(out.data == [0, 2, 0, 4])
        #expect(try ONNXModel.unsupportedNodes(serializedData: data).isEmpty)
    }

    @Test func unimplementedOperatorVersionIsRefusedPerNode() throws {
        let data = try model(opset: 5, nodes: [("Relu", ["x"], ["y"], "act"), ("Tile", ["y", "y"], ["z"], "tile")])
        do {
            _ = try ONNXModel(serializedData: data)
            Issue.record("Tile-1 accepted")
        } catch let e as ONNXError {
            #expect(e.description.contains("Tile at node 'tile'"), "\(e)")
            #expect(e.description.contains("opset 5"), "\(e)")
        }
    }

    @Test func unsupportedNodesListsEveryOffender() throws {
        let data = try model(opset: 13, nodes: [
            ("LSTM", ["x"], ["a"], "rnn"), ("Relu", ["a"], ["b"], "ok"),
            ("MaxPool", ["b"], ["c"], "pool"), ("NonMaxSuppression", ["c"], ["d"], "nms"),
        ], attributes: ["pool": ["kernel_shape": .ints([2]), "storage_order": .int(1)]])
        let list = try ONNXModel.unsupportedNodes(serializedData: data)
        #expect(list.map(\.name) == ["rnn", "pool", "nms"])
        #expect(list.map(\.opType) == ["LSTM", "MaxPool", "NonMaxSuppression"])
        #expect(list.map(\.index) == [0, 2, 3])
        #expect(list[1].description.contains("'storage_order' of MaxPool node 'pool'"))
        #expect(list[0].description.contains("unsupported operator LSTM at node 'rnn'"))
        #expect(throws: ONNXError.self) { try ONNXModel.unsupportedNodes(serializedData: Data("not onnx".utf8)) }
    }

    @Test func unusedOptionalOutputsAreIgnored() throws {
        var b = ONNXModelBuilder(opsetVersion: 13)
        b.addInput("x", shape: [-1, 1, 4, 4])
        b.addNode("Dropout", inputs: ["x"], outputs: ["y", "mask"], name: "drop")
        b.addNode("MaxPool", inputs: ["y"], outputs: ["z", "indices"], name: "pool", attributes: ["kernel_shape": .ints([2, 2])])
        b.addOutput("z", shape: [-1, 1, 3, 3])
        let m = try b.build()
        #expect(m.nodes.map(\.outputs) == [["y"], ["z"]])
    }

    @Test func castCoversNumericTypes() throws {
        // FLOAT → INT8 wraps, → UINT8 wraps, → BOOL is x != 0, back to FLOAT.
        for (to, expected) in [(3, [Float](arrayLiteral: -1, 2, 44, 0)), (2, [255, 2, 44, 0]), (9, [1, 1, 1, 0]), (6, [-1, 2, 300, 0])] {
            var b = ONNXModelBuilder(opsetVersion: 13)
            b.addInput("x", shape: [4])
            b.addNode("Cast", inputs: ["x"], outputs: ["i"], name: "c", attributes: ["to": .int(to)])
            b.addNode("Cast", inputs: ["i"], outputs: ["y"], name: "back", attributes: ["to": .int(1)])
            b.addOutput("y", shape: [4])
            let out = try b.build().run(try Tensor(shape: [4], data: [-1.7, 2.2, 300.9, 0]))
            #expect(out.data == expected, "to \(to)")
        }
    }

    @Test func addReluFusionMatchesTheNodeByNodePlan() throws {
        var b = ONNXModelBuilder(opsetVersion: 13)
        b.addInput("x", shape: [-1, 4])
        try b.addInitializer("c", Tensor(shape: [4], data: [1, -1, 0.5, -0.5]))
        b.addNode("Add", inputs: ["x", "c"], outputs: ["s"], name: "add")
        b.addNode("Relu", inputs: ["s"], outputs: ["y"], name: "act")
        b.addOutput("y", shape: [-1, 4])
        let m = try b.build()
        let x = try Tensor(shape: [2, 4], data: [-2, 2, -0.25, 0.25, 0, 0, 0, 1])
        let fused = try m.run(x)
        let exact = try #require(try m.run(["x": x], collectIntermediates: true)["y"])
        #expect(fused.data == [0, 1, 0.25, 0, 1, 0, 0.5, 0.5])
        #expect(fused == exact)
    }
}
