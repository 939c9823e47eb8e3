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

/// CPU time of the calling thread (the engine runs on it; OpenBLAS is pinned to one thread).
func threadCPUMilliseconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
}
