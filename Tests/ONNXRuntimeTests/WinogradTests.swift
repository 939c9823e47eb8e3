import Dispatch
import Foundation
import ONNXRuntime
import Testing

/// The fused plan's Winograd F(2×2, 3×3) convolutions (and their fused bias / residual / Relu epilogue)
/// against the node-by-node plan, which runs the same Conv as im2col + GEMM.
@Suite("Winograd convolution")
struct WinogradTests {
    struct Case: CustomStringConvertible, Sendable {
        var batch: Int, c: Int, m: Int, h: Int, w: Int
        var pads: [Int]? = nil
        var autoPad: String? = nil
        var relu = false
        /// Shape of a residual added before the Relu: nil none, [] the output's shape, else a broadcast shape.
        var residual: [Int]? = nil
        var description: String { "N\(batch) C\(c) M\(m) \(h)×\(w) pads \(pads ?? []) \(autoPad ?? "") relu \(relu) residual \(residual.map { "\($0)" } ?? "-")" }
    }

    static let cases: [Case] = [
        Case(batch: 8, c: 32, m: 32, h: 5, w: 7, pads: [0, 0, 0, 0]),
        Case(batch: 3, c: 33, m: 40, h: 9, w: 6, pads: [1, 1, 1, 1]),
        Case(batch: 2, c: 32, m: 48, h: 14, w: 14, pads: [1, 1, 1, 1], relu: true),
        Case(batch: 2, c: 64, m: 64, h: 11, w: 13, pads: [1, 1, 1, 1], relu: true, residual: []),
        Case(batch: 4, c: 32, m: 36, h: 3, w: 20, pads: [1, 0, 0, 1], residual: []),
        Case(batch: 2, c: 40, m: 33, h: 40, w: 70, pads: [1, 1, 1, 1], relu: true),
        Case(batch: 2, c: 32, m: 32, h: 8, w: 9, autoPad: "SAME_UPPER", relu: true, residual: [1, 32, 1, 1]),
        Case(batch: 1, c: 32, m: 32, h: 7, w: 7, pads: [1, 1, 1, 1], relu: true),
        Case(batch: 2, c: 16, m: 8, h: 3, w: 3, pads: [0, 0, 0, 0]),
        Case(batch: 1, c: 3, m: 8, h: 6, w: 6, pads: [1, 1, 1, 1]),
    ]

    static func model(_ t: Case, seed: UInt64) throws -> ONNXModel {
        var rng = SplitMix64(seed: seed)
        func uniform(_ n: Int) -> [Float] { (0..<n).map { _ in Float(rng.next() % 20001) / 10000 - 1 } }
        var b = ONNXModelBuilder(producerName: "WinogradTests", producerVersion: "1", opsetVersion: 13)
        b.addInput("x", shape: [-1, t.c, t.h, t.w])
        b.addInitializer("w", try Tensor(shape: [t.m, t.c, 3, 3], data: uniform(t.m * t.c * 9)))
        b.addInitializer("b", try Tensor(shape: [t.m], data: uniform(t.m)))
        var attrs: [String: ONNXAttribute] = ["kernel_shape": .ints([3, 3])]
        if let p = t.pads { attrs["pads"] = .ints(p) }
        if let a = t.autoPad { attrs["auto_pad"] = .string(a) }
        b.addNode("Conv", inputs: ["x", "w", "b"], outputs: ["conv"], name: "conv", attributes: attrs)
        var last = "conv"
        if let r = t.residual {
            let oh = t.autoPad == nil ? t.h + (t.pads?[0] ?? 0) + (t.pads?[2] ?? 0) - 2 : t.h
            let ow = t.autoPad == nil ? t.w + (t.pads?[1] ?? 0) + (t.pads?[3] ?? 0) - 2 : t.w
            b.addInput("r", shape: r.isEmpty ? [-1, t.m, oh, ow] : r)
            b.addNode("Add", inputs: ["r", "conv"], outputs: ["sum"])
            last = "sum"
        }
        if t.relu {
            b.addNode("Relu", inputs: [last], outputs: ["relu"])
            last = "relu"
        }
        b.addNode("Identity", inputs: [last], outputs: ["y"])
        b.addOutput("y", shape: [-1, t.m, -1, -1])
        return try b.build()
    }

    static func feed(_ model: ONNXModel, _ t: Case, seed: UInt64) throws -> [String: Tensor] {
        var rng = SplitMix64(seed: seed)
        var feed: [String: Tensor] = [:]
        for input in model.inputs {
            let shape = input.shape.enumerated().map { $0.element >= 0 ? $0.element : $0.offset == 0 ? t.batch : 0 }
            let n = shape.reduce(1, *)
            feed[input.name] = try Tensor(shape: shape, data: (0..<n).map { _ in Float(rng.next() % 20001) / 10000 - 1 })
        }
        return feed
    }

    @Test(arguments: cases)
    func matchesIm2col(_ t: Case) throws {
        let model = try Self.model(t, seed: 7)
        let usesWinograd = model.inferencePlan.contains { $0.opType.hasSuffix("(Winograd)") }
        #expect(usesWinograd == (t.c >= 32 && t.m >= 32))
        if t.relu || t.residual != nil { #expect(model.inferencePlan.count == 2, "Conv, Add and Relu fuse into one node") }
        let feed = try Self.feed(model, t, seed: 11)
        let fast = try #require(try model.run(feed)["y"])
        let reference = try #require(try model.run(feed, collectIntermediates: true)["y"])
        #expect(fast.shape == reference.shape)
        let scale = reference.data.map(abs).max() ?? 0
        let worst = zip(fast.data, reference.data).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-5 * (1 + scale), "max |Winograd − im2col| = \(worst), output scale \(scale)")
        #expect(try model.run(feed)["y"]?.data == fast.data, "same input, same bytes")
    }

    /// Concurrent runs of one model (each with its own scratch area) give the bytes of a serial run.
    @Test func concurrentRunsAreDeterministic() throws {
        let t = Self.cases[3]
        let model = try Self.model(t, seed: 3)
        let feeds = try (0..<6).map { try Self.feed(model, t, seed: UInt64(20 + $0)) }
        let serial = try feeds.map { try #require(try model.run($0)["y"]).data }
        let results = ResultBox(count: feeds.count)
        DispatchQueue.concurrentPerform(iterations: feeds.count) { i in
            results.set(i, (try? model.run(feeds[i])["y"])?.data ?? [])
        }
        #expect(results.values == serial)
    }
}

/// Results written by concurrent workers, one slot each.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [[Float]]
    init(count: Int) { slots = Array(repeating: [], count: count) }
    func set(_ i: Int, _ v: [Float]) { lock.lock(); slots[i] = v; lock.unlock() }
    var values: [[Float]] { lock.lock(); defer { lock.unlock() }; return slots }
}
