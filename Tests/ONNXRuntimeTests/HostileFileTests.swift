import Foundation
import ONNXRuntime
import Testing

@Suite("Malformed and hostile model files")
struct HostileFileTests {
    static let expected: [String: String] = {
        guard let dir = try? Fixtures.directory.appendingPathComponent("hostile"),
              let data = try? Data(contentsOf: dir.appendingPathComponent("expected.json")),
              let map = try? JSONDecoder().decode([String: String].self, from: data) else { return [:] }
        return map
    }()

    @Test func manifestIsPresent() {
        #expect(Self.expected.count >= 20)
    }

    @Test(arguments: expected.keys.sorted())
    func throwsClearError(_ name: String) throws {
        let url = try Fixtures.directory.appendingPathComponent("hostile/\(name).onnx")
        let message = try #require(Self.expected[name])
        do {
            let model = try ONNXModel(contentsOf: url)
            Issue.record("\(name) loaded: \(model.nodes.map(\.opType))")
        } catch let error as ONNXError {
            #expect(error.description.contains(message), "\(name): \(error.description)")
        }
    }

    @Test func missingFileThrows() {
        #expect(throws: ONNXError.self) {
            try ONNXModel(contentsOf: URL(fileURLWithPath: "/nonexistent/model.onnx"))
        }
    }

    /// Every strict prefix of a real model must be rejected (never crash, never load).
    @Test(arguments: ["cnn_small", "dense_keras", "conv_group2"])
    func truncatedFilesAreRejected(_ name: String) throws {
        let data = try Data(contentsOf: try Fixtures.modelURL(name))
        var lengths = Set((1..<64).map { data.count * $0 / 64 })
        lengths.formUnion([1, 2, 3, 10, 100, data.count - 1, data.count - 2])
        for length in lengths.sorted() where length > 0 && length < data.count {
            #expect(throws: ONNXError.self, "prefix of \(length) bytes") {
                try ONNXModel(serializedData: data.prefix(length))
            }
        }
        _ = try ONNXModel(serializedData: data)  // the full file loads
    }

    /// Flipping bytes must produce either a valid model or a clean ONNXError.
    @Test func corruptedBytesNeverCrash() throws {
        let original = try Data(contentsOf: try Fixtures.modelURL("cnn_small"))
        var rng = SplitMix64(seed: 42)
        var rejected = 0
        for _ in 0..<200 {
            var data = original
            for _ in 0..<4 {
                let i = Int(rng.next() % UInt64(data.count))
                data[data.startIndex + i] = UInt8(truncatingIfNeeded: rng.next())
            }
            do {
                let model = try ONNXModel(serializedData: data)
                _ = try? model.run(["input": try Tensor(shape: [2, 1, 28, 28], repeating: 0.5)])
            } catch is ONNXError {
                rejected += 1
            }
        }
        #expect(rejected > 0)
    }
}

/// Small deterministic PRNG for the corruption test.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
