import Foundation
import XCTest
@testable import GlyphTraining
@testable import GlyphModel

final class TrainingTests: XCTestCase {
    // MARK: Gradient check

    /// conv(pad 1) → relu → pool → conv(stride 2, pad 1) → relu → flatten → dense → relu → dropout → dense.
    private let tinyArchitecture = NetworkArchitecture(
        input: SampleShape(channels: 2, height: 8, width: 8),
        layers: [
            .convolution(outputChannels: 3, kernel: 3, stride: 1, padding: 1), .relu,
            .maxPool(size: 2, stride: 2),
            .convolution(outputChannels: 4, kernel: 3, stride: 2, padding: 1), .relu,
            .flatten,
            .dense(outputs: 5), .relu, .dropout(rate: 0.3),
            .dense(outputs: 3),
        ])

    /// Unpadded convolution and an overlapping 3x3/2 pool (the generic pooling path).
    private let overlapArchitecture = NetworkArchitecture(
        input: SampleShape(channels: 1, height: 9, width: 8),
        layers: [
            .convolution(outputChannels: 2, kernel: 3, stride: 1, padding: 0), .relu,
            .maxPool(size: 3, stride: 2),
            .flatten, .dense(outputs: 3),
        ])

    func testGradientsMatchFiniteDifferences() throws {
        try checkGradients(tinyArchitecture)
        try checkGradients(overlapArchitecture)
        try checkGradients(tinyArchitecture, smoothing: 0.2)
    }

    func testLabelSmoothingLossIsCrossEntropyWithTheSmoothedTarget() throws {
        var rng = SeededRandom(seed: 5)
        let network = try Network(architecture: tinyArchitecture, rng: &rng)
        let input = (0..<tinyArchitecture.input.count).map { _ in rng.nextFloat(in: -1, 1) }
        var forwardRng = SeededRandom(seed: 0)
        let logits: [Float] = try input.withUnsafeBufferPointer { x in
            let output = network.forward(input: try XCTUnwrap(x.baseAddress), batch: 1, training: false, rng: &forwardRng)
            return Array(UnsafeBufferPointer(start: output, count: 3))
        }
        let top = logits.max() ?? 0
        let logSum = logf(logits.map { expf($0 - top) }.reduce(0, +)) + top
        let logProbabilities = logits.map { $0 - logSum }
        let smoothing: Float = 0.3, classes = Float(logits.count)
        let expected = -logProbabilities.enumerated().map { j, value in
            ((j == 1 ? 1 - smoothing : 0) + smoothing / classes) * value
        }.reduce(0, +)
        XCTAssertEqual(network.lossAndGradients(input: input, labels: [1], smoothing: smoothing), expected, accuracy: 1e-4)
        XCTAssertEqual(network.lossAndGradients(input: input, labels: [1]), -logProbabilities[1], accuracy: 1e-4)
    }

    private func checkGradients(_ architecture: NetworkArchitecture, smoothing: Float = 0) throws {
        var rng = SeededRandom(seed: 7)
        let network = try Network(architecture: architecture, rng: &rng)
        // Nonzero biases so that no ReLU sits exactly at its kink.
        for p in network.parameters where !p.decays {
            for i in 0..<p.count { p.value.pointer[i] = rng.nextFloat(in: -0.1, 0.1) }
        }
        let batch = 3
        let input = (0..<(batch * architecture.input.count)).map { _ in rng.nextFloat(in: -1, 1) }
        let labels = [0, 2, 1]

        _ = network.lossAndGradients(input: input, labels: labels, training: true, seed: 99, smoothing: smoothing)
        let analytic = network.parameters.map { $0.gradient.array(count: $0.count) }

        let epsilon: Float = 2e-3
        for (pIndex, p) in network.parameters.enumerated() {
            var numeric = [Float](repeating: 0, count: p.count)
            for i in 0..<p.count {
                let saved = p.value.pointer[i]
                p.value.pointer[i] = saved + epsilon
                let plus = network.lossAndGradients(input: input, labels: labels, training: true, seed: 99,
                                                    smoothing: smoothing)
                p.value.pointer[i] = saved - epsilon
                let minus = network.lossAndGradients(input: input, labels: labels, training: true, seed: 99,
                                                     smoothing: smoothing)
                p.value.pointer[i] = saved
                numeric[i] = (plus - minus) / (2 * epsilon)
            }
            let diff = zip(analytic[pIndex], numeric).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            let scale = analytic[pIndex].map { $0 * $0 }.reduce(0, +).squareRoot()
                + numeric.map { $0 * $0 }.reduce(0, +).squareRoot()
            XCTAssertGreaterThan(scale, 1e-4, "parameter \(pIndex) (\(p.name)) has no gradient at all")
            XCTAssertLessThan(diff / max(scale, 1e-12), 1e-2, "parameter \(pIndex) (\(p.name))")
        }
    }

    func testConvolutionMatchesDirectLoop() throws {
        var rng = SeededRandom(seed: 3)
        let inShape = SampleShape(channels: 2, height: 7, width: 6)
        for (stride, padding) in [(1, 1), (2, 1), (1, 0), (2, 2)] {
            let k = 3, outC = 3
            let weights = (0..<(outC * 2 * k * k)).map { _ in rng.nextFloat(in: -1, 1) }
            let bias = (0..<outC).map { _ in rng.nextFloat(in: -1, 1) }
            let layer = ConvolutionLayer(input: inShape, outputChannels: outC, kernel: k, stride: stride,
                                         padding: padding, weights: weights, bias: bias)
            let x = (0..<(2 * inShape.count)).map { _ in rng.nextFloat(in: -1, 1) }
            let os = layer.outputShape
            var y = [Float](repeating: .nan, count: 2 * os.count)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    var r = rng
                    layer.forward(input: xp.baseAddress!, output: yp.baseAddress!, batch: 2, training: false, rng: &r)
                }
            }
            for n in 0..<2 {
                for o in 0..<outC {
                    for oy in 0..<os.height {
                        for ox in 0..<os.width {
                            var sum = bias[o]
                            for c in 0..<2 {
                                for ki in 0..<k {
                                    for kj in 0..<k {
                                        let iy = oy * stride - padding + ki, ix = ox * stride - padding + kj
                                        guard iy >= 0, iy < inShape.height, ix >= 0, ix < inShape.width else { continue }
                                        sum += weights[((o * 2 + c) * k + ki) * k + kj]
                                            * x[n * inShape.count + (c * inShape.height + iy) * inShape.width + ix]
                                    }
                                }
                            }
                            let got = y[n * os.count + (o * os.height + oy) * os.width + ox]
                            XCTAssertEqual(got, sum, accuracy: 1e-4, "stride \(stride) pad \(padding)")
                        }
                    }
                }
            }
        }
    }

    // MARK: Determinism

    func testSameSeedGivesBitIdenticalWeights() throws {
        let data = try Self.barsDataset(count: 24, side: 12, seed: 5)
        let architecture = Self.smallArchitecture(side: 12)
        func run(seed: UInt64) throws -> TrainedModel {
            let config = TrainingConfiguration(epochs: 2, batchSize: 8, seed: seed,
                                               augmentation: AugmentationConfiguration(), presentationsPerEpoch: 40)
            return try Trainer(architecture: architecture, configuration: config)
                .train(on: data, labels: Self.barLabels)
        }
        let a = try run(seed: 11), b = try run(seed: 11), c = try run(seed: 12)
        XCTAssertEqual(Self.weightBits(a), Self.weightBits(b))
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(Self.weightBits(a), Self.weightBits(c))
    }

    // MARK: Learning

    func testLearnsBarsAndCrosses() throws {
        let data = try Self.barsDataset(count: 120, side: 28, seed: 1)
        let held = try Self.barsDataset(count: 60, side: 28, seed: 77)
        let config = TrainingConfiguration(epochs: 6, batchSize: 16, learningRate: 3e-3, seed: 2,
                                           learningRateDecayPerEpoch: 0.8)
        var reports: [EpochReport] = []
        let model = try Trainer(architecture: Self.smallArchitecture(side: 28), configuration: config)
            .train(on: data, validation: held, labels: Self.barLabels) { reports.append($0) }
        XCTAssertEqual(reports.count, 6)
        let first = try XCTUnwrap(reports.first), last = try XCTUnwrap(reports.last)
        XCTAssertLessThan(last.meanLoss, first.meanLoss)
        XCTAssertEqual(last.learningRate, 3e-3 * powf(0.8, 5), accuracy: 1e-7)
        let accuracy = try model.accuracy(on: data)
        XCTAssertGreaterThan(accuracy, 0.95, "train accuracy \(accuracy); losses \(reports.map(\.meanLoss))")
        let heldAccuracy = try model.accuracy(on: held)
        XCTAssertGreaterThan(heldAccuracy, 0.9)
        XCTAssertEqual(try XCTUnwrap(last.validationAccuracy), heldAccuracy, accuracy: 1e-12)
        XCTAssertEqual(model.metadata["glyphprep.validation_accuracy"], String(heldAccuracy))
        let confusion = try model.confusionMatrix(on: held)
        XCTAssertEqual(confusion.map { $0.reduce(0, +) }, [20, 20, 20])
        XCTAssertEqual(Double((0..<3).map { confusion[$0][$0] }.reduce(0, +)) / 60, heldAccuracy, accuracy: 1e-12)
        XCTAssertEqual(try TrainedModel(jsonData: model.jsonData()), model)
    }

    // MARK: Export and prediction

    func testExportUsesOnnxLayoutsAndRoundTrips() throws {
        var rng = SeededRandom(seed: 4)
        let architecture = NetworkArchitecture.letterCNN(classes: 26, conv1: 4, conv2: 6, hidden: 10)
        let network = try Network(architecture: architecture, rng: &rng)
        let labels = EMNISTLetters.labels
        let model = network.export(labels: labels, metadata: ["source": "test"])
        XCTAssertEqual(model.layers.map(\.onnxOperator),
                       ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm", "Softmax"])
        guard case .convolution(let conv) = model.layers[3], case .gemm(let gemm) = model.layers[7] else {
            return XCTFail("unexpected layer kinds")
        }
        XCTAssertEqual(conv.weightShape, [6, 4, 3, 3])
        XCTAssertEqual(conv.pads, [1, 1, 1, 1])
        XCTAssertEqual(conv.weight.count, 6 * 4 * 9)
        XCTAssertEqual(gemm.weightShape, [6 * 7 * 7, 10])
        XCTAssertFalse(gemm.transB)
        XCTAssertEqual(model.parameterCount, network.parameterCount)

        let images = (0..<(5 * 784)).map { _ in rng.nextUnitFloat() }
        let probabilities = try model.predict(images)
        XCTAssertEqual(probabilities.count, 5)
        for p in probabilities {
            XCTAssertEqual(p.count, 26)
            XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-4)
        }
        // Same answers after a JSON round trip and from the live network.
        let decoded = try JSONDecoder().decode(TrainedModel.self, from: JSONEncoder().encode(model))
        XCTAssertEqual(try decoded.predict(images), probabilities)
        var r = SeededRandom(seed: 0)
        let logits = images.withUnsafeBufferPointer {
            network.forward(input: $0.baseAddress!, batch: 5, training: false, rng: &r)
        }
        let live = ONNXClassifier.softmax(Array(UnsafeBufferPointer(start: logits, count: 26)))
        for (a, b) in zip(live, probabilities[0]) { XCTAssertEqual(a, b, accuracy: 1e-6) }

        XCTAssertThrowsError(try model.predict([Float](repeating: 0, count: 100)))
        var broken = model
        broken.labels.removeLast()
        XCTAssertThrowsError(try broken.predict(images))
    }

    func testInvalidArchitecturesAndDataAreRejected() throws {
        let noFlatten = NetworkArchitecture(input: SampleShape(channels: 1, height: 4, width: 4),
                                            layers: [.dense(outputs: 3)])
        XCTAssertThrowsError(try noFlatten.shapes())
        let tooSmall = NetworkArchitecture(input: SampleShape(channels: 1, height: 2, width: 2),
                                           layers: [.maxPool(size: 3, stride: 3), .flatten, .dense(outputs: 2)])
        XCTAssertThrowsError(try tooSmall.shapes())
        let data = try Self.barsDataset(count: 6, side: 12, seed: 1)
        let trainer = Trainer(architecture: Self.smallArchitecture(side: 12), configuration: TrainingConfiguration(epochs: 1))
        XCTAssertThrowsError(try trainer.train(on: data, labels: ["a", "b"]))
        let wrongSide = Trainer(architecture: Self.smallArchitecture(side: 28), configuration: TrainingConfiguration(epochs: 1))
        XCTAssertThrowsError(try wrongSide.train(on: data, labels: Self.barLabels))
        let badLabels = try LabeledImages(shape: data.shape, pixels: data.pixels,
                                          labels: data.labels.map { $0 + 5 })
        XCTAssertThrowsError(try trainer.train(on: badLabels, labels: Self.barLabels))
        XCTAssertThrowsError(try LabeledImages(shape: data.shape, pixels: [1, 2, 3], labels: [0]))
    }

    func testAugmentationIsSeededAndKeepsInk() throws {
        let data = try Self.barsDataset(count: 1, side: 28, seed: 3)
        let augmenter = Augmenter(configuration: AugmentationConfiguration(probability: 1), shape: data.shape)
        func jitter(_ seed: UInt64) -> [Float] {
            var rng = SeededRandom(seed: seed)
            var out = [Float](repeating: 0, count: data.shape.count)
            data.pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    augmenter.apply(source: src.baseAddress!, destination: dst.baseAddress!, rng: &rng)
                }
            }
            return out
        }
        XCTAssertEqual(jitter(1), jitter(1))
        XCTAssertNotEqual(jitter(1), jitter(2))
        XCTAssertNotEqual(jitter(1), data.pixels)
        let inkBefore = data.pixels.reduce(0, +), inkAfter = jitter(1).reduce(0, +)
        XCTAssertEqual(inkAfter / inkBefore, 1, accuracy: 0.4)
    }

    func testSeededRandomIsStableAndUniform() {
        var a = SeededRandom(seed: 42), b = SeededRandom(seed: 42)
        let xs = (0..<1000).map { _ in a.next() }
        XCTAssertEqual(xs, (0..<1000).map { _ in b.next() })
        var u = SeededRandom(seed: 1)
        let mean = (0..<20000).map { _ in Double(u.nextUnitFloat()) }.reduce(0, +) / 20000
        XCTAssertEqual(mean, 0.5, accuracy: 0.02)
        let g = (0..<20000).map { _ in Double(u.nextGaussian()) }
        let gMean = g.reduce(0, +) / 20000
        let gVar = g.map { ($0 - gMean) * ($0 - gMean) }.reduce(0, +) / 20000
        XCTAssertEqual(gMean, 0, accuracy: 0.03)
        XCTAssertEqual(gVar, 1, accuracy: 0.05)
        var counts = [Int](repeating: 0, count: 3)
        for _ in 0..<3000 { counts[u.nextInt(below: 3)] += 1 }
        XCTAssertTrue(counts.allSatisfy { $0 > 900 && $0 < 1100 }, "\(counts)")
    }

    // MARK: Throughput (GLYPHPREP_BENCH=1, release build)

    func testTrainingThroughputBenchmark() throws {
        guard ProcessInfo.processInfo.environment["GLYPHPREP_BENCH"] == "1" else {
            throw XCTSkip("set GLYPHPREP_BENCH=1 (and use -c release) to measure training throughput")
        }
        let presentations = Int(ProcessInfo.processInfo.environment["GLYPHPREP_BENCH_IMAGES"] ?? "") ?? 8192
        let base = try Self.barsDataset(count: 800, side: 28, seed: 9)
        let data = try LabeledImages(shape: base.shape, pixels: base.pixels, labels: base.labels.map { $0 * 8 })
        for augmentation in [nil, AugmentationConfiguration()] {
            let config = TrainingConfiguration(epochs: 2, batchSize: 64, seed: 1, augmentation: augmentation,
                                               presentationsPerEpoch: presentations)
            var reports: [(EpochReport, cpu: Double)] = []
            var cpuMark = Self.threadCPUSeconds()
            _ = try Trainer(architecture: .letterCNN(), configuration: config)
                .train(on: data, labels: EMNISTLetters.labels) { report in
                    let now = Self.threadCPUSeconds()
                    reports.append((report, now - cpuMark))
                    cpuMark = now
                }
            for (r, cpu) in reports {
                print(String(format: "BENCH letterCNN 28x28 batch 64 augmentation=%@ epoch %d: %d images in %.2f s wall "
                             + "= %.0f images/s; %.2f s CPU = %.0f images per CPU-second",
                             augmentation == nil ? "off" : "on", r.epoch, r.presentations, r.seconds, r.imagesPerSecond,
                             cpu, Double(r.presentations) / max(cpu, 1e-9)))
            }
        }
    }

    // MARK: Fixtures

    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static let barLabels = ["horizontal", "vertical", "cross"]

    static func smallArchitecture(side: Int) -> NetworkArchitecture {
        .letterCNN(classes: 3, side: side, conv1: 4, conv2: 8, hidden: 24, dropout: 0.1)
    }

    /// Horizontal bars (0), vertical bars (1) and crosses (2) at random positions and widths, with noise.
    static func barsDataset(count: Int, side: Int, seed: UInt64) throws -> LabeledImages {
        var rng = SeededRandom(seed: seed)
        var images = try LabeledImages(shape: SampleShape(channels: 1, height: side, width: side))
        for i in 0..<count {
            let label = i % 3
            var image = [Float](repeating: 0, count: side * side)
            let thickness = 1 + rng.nextInt(below: max(side / 10, 1) + 1)
            let margin = side / 5
            let row = margin + rng.nextInt(below: side - 2 * margin - thickness)
            let col = margin + rng.nextInt(below: side - 2 * margin - thickness)
            let start = rng.nextInt(below: margin + 1), end = side - rng.nextInt(below: margin + 1)
            for y in 0..<side {
                for x in 0..<side {
                    let horizontal = y >= row && y < row + thickness && x >= start && x < end
                    let vertical = x >= col && x < col + thickness && y >= start && y < end
                    let ink = label == 0 ? horizontal : label == 1 ? vertical : (horizontal || vertical)
                    image[y * side + x] = min(1, max(0, (ink ? 0.9 : 0.05) + rng.nextFloat(in: -0.1, 0.1)))
                }
            }
            try images.append(image: image, label: label)
        }
        return images
    }

    static func weightBits(_ model: TrainedModel) -> [UInt32] {
        model.layers.flatMap { layer -> [Float] in
            switch layer {
            case .convolution(let c): c.weight + c.bias
            case .gemm(let g): g.weight + g.bias
            default: []
            }
        }.map(\.bitPattern)
    }
}
