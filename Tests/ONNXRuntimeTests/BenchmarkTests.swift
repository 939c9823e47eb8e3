import Foundation
import ONNXRuntime
import Testing

/// Throughput of the fixture CNN, batch 64, one thread. Run in release:
/// `GLYPHPREP_BENCH=1 swift test -c release --filter ONNXBenchmark`
@Suite("ONNXBenchmark", .serialized, .enabled(if: ProcessInfo.processInfo.environment["GLYPHPREP_BENCH"] == "1"))
struct ONNXBenchmark {
    @Test(arguments: ["cnn_small", "dense_keras"])
    func imagesPerSecond(_ name: String) throws {
        let model = try Fixtures.model(name)
        let batch = 64
        let shape = [batch] + (model.inputs[0].shape.dropFirst())
        var rng = SplitMix64(seed: 1)
        let count = shape.reduce(1, *)
        let input = try Tensor(shape: shape, data: (0..<count).map { _ in Float(rng.next() % 1000) / 1000 })
        let feed = [model.inputs[0].name: input]
        for _ in 0..<5 { _ = try model.run(feed) }
        var runs = 0
        let start = Date()
        while Date().timeIntervalSince(start) < 3 {
            _ = try model.run(feed)
            runs += 1
        }
        let seconds = Date().timeIntervalSince(start)
        let ips = Double(runs * batch) / seconds
        print("ONNXBenchmark \(name) batch \(batch): \(runs) runs in \(String(format: "%.2f", seconds)) s = \(Int(ips)) images/s")
        #expect(ips > 0)
    }
}

/// The two speed cases of issue 23, side by side with `python3 bench/onnx_bench.py --speed-cases`:
/// the shipped letters model at batch 32 and ResNet-50 (the onnx package's light_resnet50: the model
/// zoo architecture with constant weights, same arithmetic) at batch 1, one thread, release build:
/// `GLYPHPREP_BENCH=1 swift test -c release --skip-build --filter ONNXSpeedCases`
@Suite("ONNXSpeedCases", .serialized, .enabled(if: ProcessInfo.processInfo.environment["GLYPHPREP_BENCH"] == "1"))
struct ONNXSpeedCases {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func modelURL(_ name: String) -> URL? {
        switch name {
        case "letters": return repoRoot.appendingPathComponent("models/letters.onnx")
        default: return BackendData.directory("light")?.appendingPathComponent("light_\(name).onnx")
        }
    }

    @Test(arguments: [("letters", 32), ("resnet50", 1)])
    func millisecondsPerRun(_ name: String, _ batch: Int) throws {
        let url = try #require(Self.modelURL(name), "model \(name) not found")
        let model = try ONNXModel(contentsOf: url)
        let info = model.inputs[0]
        let shape = [batch] + info.shape.dropFirst()
        var rng = SplitMix64(seed: 1)
        let count = shape.reduce(1, *)
        let feed = [info.name: try Tensor(shape: shape, data: (0..<count).map { _ in Float(rng.next() % 1000) / 1000 })]
        for _ in 0..<3 { _ = try model.run(feed) }
        var times: [Double] = [], cpu: [Double] = []
        let start = Date()
        while Date().timeIntervalSince(start) < 5 || times.count < 5 {
            let t0 = Date(), c0 = threadCPUMilliseconds()
            _ = try model.run(feed)
            cpu.append(threadCPUMilliseconds() - c0)
            times.append(Date().timeIntervalSince(t0) * 1000)
        }
        times.sort()
        cpu.sort()
        let mean = times.reduce(0, +) / Double(times.count)
        let f = { (v: Double) in String(format: "%.2f", v) }
        print("ONNXSpeedCases \(name) batch \(batch): \(times.count) runs, wall mean \(f(mean)) ms, median \(f(times[times.count / 2])) ms, "
              + "min \(f(times[0])) ms; thread CPU median \(f(cpu[cpu.count / 2])) ms, min \(f(cpu[0])) ms")
        #expect(mean > 0)
    }
}

/// One 3×3 convolution (+ bias, Relu) of the speed cases' shapes, thread-CPU ms: the fused plan (Winograd where
/// its filters were prepared) against the node-by-node plan (im2col + GEMM). Same switch as ONNXSpeedCases.
@Suite("ONNXConvLayers", .serialized, .enabled(if: ProcessInfo.processInfo.environment["GLYPHPREP_BENCH"] == "1"))
struct ONNXConvLayers {
    @Test(arguments: [(1, 64, 56), (1, 128, 28), (1, 256, 14), (1, 512, 7), (32, 24, 14), (8, 512, 7)])
    func winogradAgainstIm2col(_ batch: Int, _ channels: Int, _ size: Int) throws {
        let c = batch == 32 ? 24 : channels, m = batch == 32 ? 48 : channels
        var rng = SplitMix64(seed: 5)
        var b = ONNXModelBuilder(producerName: "bench", producerVersion: "1", opsetVersion: 13)
        b.addInput("x", shape: [-1, c, size, size])
        b.addInitializer("w", try Tensor(shape: [m, c, 3, 3], data: (0..<(m * c * 9)).map { _ in Float(rng.next() % 1000) / 1000 - 0.5 }))
        b.addInitializer("b", try Tensor(shape: [m], data: [Float](repeating: 0.1, count: m)))
        b.addNode("Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1])])
        b.addNode("Relu", inputs: ["c"], outputs: ["y"])
        b.addOutput("y", shape: [-1, m, size, size])
        let model = try b.build()
        let count = batch * c * size * size
        let feed = ["x": try Tensor(shape: [batch, c, size, size], data: (0..<count).map { _ in Float(rng.next() % 1000) / 1000 })]
        func median(_ intermediates: Bool) throws -> Double {
            var cpu: [Double] = []
            for _ in 0..<30 {
                let c0 = threadCPUMilliseconds()
                _ = try model.run(feed, collectIntermediates: intermediates)
                cpu.append(threadCPUMilliseconds() - c0)
            }
            return cpu.sorted()[cpu.count / 2]
        }
        let fused = try median(false), plain = try median(true)
        print("ONNXConvLayers N\(batch) \(c)→\(m) \(size)×\(size): fused plan \(String(format: "%.3f", fused)) ms, "
              + "im2col \(String(format: "%.3f", plain)) ms, plan \(model.inferencePlan.map(\.opType))")
        #expect(fused > 0)
    }
}

/// CPU time of the calling thread (the engine runs on it; OpenBLAS is pinned to one thread).
func threadCPUMilliseconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
}
