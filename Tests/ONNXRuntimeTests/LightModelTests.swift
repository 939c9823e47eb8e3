import Foundation
import ONNXRuntime
import Testing

/// onnxruntime outputs for the nine model-zoo architectures (bench/make_light_references.py).
struct LightReferences: Decodable {
    struct Model: Decodable {
        let input: String
        let output: String
        let shape: [Int]
        let data: [Float]
        let probe: String
        let probe_shape: [Int]
        let probe_stride: Int
        let probe_data: [Float]
    }
    let seed: UInt64
    let models: [String: Model]

    static let shared: LightReferences? = {
        guard let url = try? Fixtures.directory.appendingPathComponent("light/references.json"),
              let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(LightReferences.self, from: data)
    }()

    /// [1, 3, 224, 224] from SplitMix64(seed), (next() % 1000) / 1000 — as the Python script generates it.
    static func input(seed: UInt64) throws -> Tensor {
        var rng = SplitMix64(seed: seed)
        return try Tensor(shape: [1, 3, 224, 224], data: (0..<(3 * 224 * 224)).map { _ in Float(rng.next() % 1000) / 1000 })
    }
}

/// The light models: the model zoo's AlexNet, DenseNet-121, Inception v1/v2, ResNet-50, ShuffleNet, SqueezeNet,
/// VGG-19 and ZFNet-512 with constant (ConstantOfShape) weights, from the onnx Python package.
@Suite("Model-zoo architectures vs onnxruntime",
       .enabled(if: BackendData.directory("light") != nil, "light models not found: pip install onnx (backend/test/data/light) or set GLYPHPREP_ONNX_TESTDATA"))
struct LightModelTests {
    static let names = ["bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50", "shufflenet", "squeezenet", "vgg19", "zfnet512"]

    @Test(arguments: names)
    func matchesOnnxRuntime(_ name: String) throws {
        let refs = try #require(LightReferences.shared, "Fixtures/light/references.json is missing")
        let ref = try #require(refs.models[name])
        let dir = try #require(BackendData.directory("light"))
        let model = try ONNXModel(contentsOf: dir.appendingPathComponent("light_\(name).onnx"))
        let input = try LightReferences.input(seed: refs.seed)
        let out = try model.run([ref.input: input], collectIntermediates: true)
        let y = try #require(out[ref.output])
        #expect(y.shape == ref.shape)
        let err = maxRelativeError(y.data, ref.data)
        let probe = try #require(out[ref.probe])
        #expect(probe.shape == ref.probe_shape)
        let sampled = stride(from: 0, to: probe.count, by: ref.probe_stride).map { probe.data[$0] }
        let probeErr = maxRelativeError(sampled, ref.probe_data)
        print("light \(name): output max relative error \(err), first-Conv probe \(probeErr) (\(sampled.count) values)")
        #expect(err <= 1e-4)
        #expect(probeErr <= 1e-4)
        // The fused plan (plain run) must agree with the node-by-node one.
        let fused = try #require(try model.run([ref.input: input])[ref.output])
        #expect(maxRelativeError(fused.data, ref.data) <= 1e-4)
    }
}
