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
