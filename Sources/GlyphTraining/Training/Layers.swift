import ONNXRuntime

/// A layer of the training network. Buffers are owned by the network; a layer keeps only
/// what its backward pass needs (im2col columns, pooling argmax, dropout mask).
protocol NetworkLayer: AnyObject {
    var inputShape: SampleShape { get }
    var outputShape: SampleShape { get }
    var parameters: [Parameter] { get }
    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                 batch: Int, training: Bool, rng: inout SeededRandom)
    /// Accumulates into the parameters' gradients; writes `gradInput` when it is non-nil.
    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                  gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?, batch: Int)
}

final class ConvolutionLayer: NetworkLayer {
    let inputShape: SampleShape
    let outputShape: SampleShape
    let kernel: Int
    let stride: Int
    let padding: Int
    /// [out, in, kh, kw], i.e. a row-major [out, in·kh·kw] matrix.
    let weight: Parameter
    let bias: Parameter
    private let columns = FloatBuffer()
    private let columnGradient = FloatBuffer()

    private var patchSize: Int { inputShape.channels * kernel * kernel }
    private var outputPlane: Int { outputShape.height * outputShape.width }

    init(input: SampleShape, outputChannels: Int, kernel: Int, stride: Int, padding: Int,
         weights: [Float], bias: [Float]) {
        inputShape = input
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        outputShape = SampleShape(
            channels: outputChannels,
            height: (input.height + 2 * padding - kernel) / stride + 1,
            width: (input.width + 2 * padding - kernel) / stride + 1)
        weight = Parameter(name: "conv.weight", values: weights, decays: true)
        self.bias = Parameter(name: "conv.bias", values: bias, decays: false)
    }

    var parameters: [Parameter] { [weight, bias] }

    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                 batch: Int, training: Bool, rng: inout SeededRandom) {
        let k = patchSize, plane = outputPlane, outC = outputShape.channels
        columns.reserve(batch * k * plane)
        let w = weight.value.pointer, b = bias.value.pointer
        for n in 0..<batch {
            let cols = columns.pointer + n * k * plane
            im2col(input + n * inputShape.count, cols)
            let y = output + n * outC * plane
            for c in 0..<outC {
                (y + c * plane).update(repeating: b[c], count: plane)
            }
            sgemm(m: outC, n: plane, k: k, a: w, lda: k, b: cols, ldb: plane, beta: 1, c: y, ldc: plane)
        }
    }

    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                  gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?, batch: Int) {
        let k = patchSize, plane = outputPlane, outC = outputShape.channels
        let w = weight.value.pointer, dw = weight.gradient.pointer, db = bias.gradient.pointer
        if gradInput != nil { columnGradient.reserve(k * plane) }
        for n in 0..<batch {
            let cols = columns.pointer + n * k * plane
            let dy = gradOutput + n * outC * plane
            sgemm(transB: true, m: outC, n: k, k: plane,
                      a: dy, lda: plane, b: cols, ldb: plane, beta: 1, c: dw, ldc: k)
            for c in 0..<outC {
                var sum: Float = 0
                let row = dy + c * plane
                for i in 0..<plane { sum += row[i] }
                db[c] += sum
            }
            if let gradInput {
                sgemm(transA: true, m: k, n: plane, k: outC,
                          a: w, lda: k, b: dy, ldb: plane, c: columnGradient.pointer, ldc: plane)
                col2im(columnGradient.pointer, gradInput + n * inputShape.count)
            }
        }
    }

    /// Walks the column matrix row by row (channel, kernel row, kernel column, output row):
    /// `body` gets the row's offset in the columns, the offset of the input row it covers (nil
    /// where that row lies in the padding) and the kernel column.
    @inline(__always)
    private func forEachColumnRow(_ body: (_ column: Int, _ input: Int?, _ kj: Int) -> Void) {
        let h = inputShape.height, w = inputShape.width
        let oh = outputShape.height, ow = outputShape.width
        var row = 0
        for c in 0..<inputShape.channels {
            for ki in 0..<kernel {
                for kj in 0..<kernel {
                    for oy in 0..<oh {
                        let iy = oy * stride - padding + ki
                        body(row + oy * ow, iy >= 0 && iy < h ? c * h * w + iy * w : nil, kj)
                    }
                    row += oh * ow
                }
            }
        }
    }

    private func im2col(_ x: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>) {
        let w = inputShape.width, ow = outputShape.width
        forEachColumnRow { column, input, kj in
            let dst = cols + column
            guard let input else {
                dst.update(repeating: 0, count: ow)
                return
            }
            let src = x + input
            if stride == 1 {
                let shift = kj - padding
                let lo = max(0, -shift), hi = min(ow, w - shift)
                if lo > 0 { dst.update(repeating: 0, count: min(lo, ow)) }
                if hi > lo { (dst + lo).update(from: src + lo + shift, count: hi - lo) }
                if hi < ow { (dst + max(hi, 0)).update(repeating: 0, count: ow - max(hi, 0)) }
            } else {
                for ox in 0..<ow {
                    let ix = ox * stride - padding + kj
                    dst[ox] = (ix >= 0 && ix < w) ? src[ix] : 0
                }
            }
        }
    }

    private func col2im(_ cols: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>) {
        let w = inputShape.width, ow = outputShape.width
        x.update(repeating: 0, count: inputShape.count)
        forEachColumnRow { column, input, kj in
            guard let input else { return }
            let src = cols + column, dst = x + input
            if stride == 1 {
                let shift = kj - padding
                let lo = max(0, -shift), hi = min(ow, w - shift)
                if hi > lo {
                    let d = dst + shift
                    for ox in lo..<hi { d[ox] += src[ox] }
                }
            } else {
                for ox in 0..<ow {
                    let ix = ox * stride - padding + kj
                    if ix >= 0 && ix < w { dst[ix] += src[ox] }
                }
            }
        }
    }
}

final class ReLULayer: NetworkLayer {
    let inputShape: SampleShape
    var outputShape: SampleShape { inputShape }
    var parameters: [Parameter] { [] }

    init(input: SampleShape) { inputShape = input }

    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                 batch: Int, training: Bool, rng: inout SeededRandom) {
        let count = batch * inputShape.count
        let vectors = count / 8
        let zero = SIMD8<Float>(repeating: 0)
        for v in 0..<vectors {
            let x = UnsafeRawPointer(input + 8 * v).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(output + 8 * v)
                .storeBytes(of: x.replacing(with: zero, where: x .< zero), as: SIMD8<Float>.self)
        }
        for i in (8 * vectors)..<count { output[i] = max(input[i], 0) }
    }

    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                  gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?, batch: Int) {
        guard let gradInput else { return }
        let count = batch * inputShape.count
        let vectors = count / 8
        let zero = SIMD8<Float>(repeating: 0)
        for v in 0..<vectors {
            let y = UnsafeRawPointer(output + 8 * v).loadUnaligned(as: SIMD8<Float>.self)
            let g = UnsafeRawPointer(gradOutput + 8 * v).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(gradInput + 8 * v)
                .storeBytes(of: zero.replacing(with: g, where: y .> zero), as: SIMD8<Float>.self)
        }
        for i in (8 * vectors)..<count { gradInput[i] = output[i] > 0 ? gradOutput[i] : 0 }
    }
}

final class MaxPoolLayer: NetworkLayer {
    let inputShape: SampleShape
    let outputShape: SampleShape
    let size: Int
    let stride: Int
    private let argmax = IndexBuffer()
    var parameters: [Parameter] { [] }

    init(input: SampleShape, size: Int, stride: Int) {
        inputShape = input
        self.size = size
        self.stride = stride
        outputShape = SampleShape(channels: input.channels,
                                  height: (input.height - size) / stride + 1,
                                  width: (input.width - size) / stride + 1)
    }

    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                 batch: Int, training: Bool, rng: inout SeededRandom) {
        let h = inputShape.height, w = inputShape.width
        let oh = outputShape.height, ow = outputShape.width
        argmax.reserve(batch * outputShape.count)
        let idx = argmax.pointer
        var o = 0
        if size == 2 && stride == 2 {
            for plane in 0..<(batch * inputShape.channels) {
                let base = plane * h * w
                for oy in 0..<oh {
                    let top = base + 2 * oy * w
                    for ox in 0..<ow {
                        let a = top + 2 * ox, c = a + w
                        var best = a, bestValue = input[a]
                        if input[a + 1] > bestValue { best = a + 1; bestValue = input[a + 1] }
                        if input[c] > bestValue { best = c; bestValue = input[c] }
                        if input[c + 1] > bestValue { best = c + 1; bestValue = input[c + 1] }
                        output[o] = bestValue
                        idx[o] = Int32(truncatingIfNeeded: best)
                        o += 1
                    }
                }
            }
            return
        }
        for plane in 0..<(batch * inputShape.channels) {
            let base = plane * h * w
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = base + oy * stride * w + ox * stride
                    var bestValue = input[best]
                    for dy in 0..<size {
                        let rowStart = base + (oy * stride + dy) * w + ox * stride
                        for dx in 0..<size where input[rowStart + dx] > bestValue {
                            best = rowStart + dx
                            bestValue = input[best]
                        }
                    }
                    output[o] = bestValue
                    idx[o] = Int32(truncatingIfNeeded: best)
                    o += 1
                }
            }
        }
    }

    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                  gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?, batch: Int) {
        guard let gradInput else { return }
        gradInput.update(repeating: 0, count: batch * inputShape.count)
        let idx = argmax.pointer
        for o in 0..<(batch * outputShape.count) { gradInput[Int(idx[o])] += gradOutput[o] }
    }
}

final class FlattenLayer: NetworkLayer {
    let inputShape: SampleShape
    var outputShape: SampleShape { .flat(inputShape.count) }
    var parameters: [Parameter] { [] }

    init(input: SampleShape) { inputShape = input }

    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                 batch: Int, training: Bool, rng: inout SeededRandom) {
        output.update(from: input, count: batch * inputShape.count)
    }

    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                  gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?, batch: Int) {
        gradInput?.update(from: gradOutput, count: batch * inputShape.count)
    }
}

final class DenseLayer: NetworkLayer {
    let inputShape: SampleShape
    let outputShape: SampleShape
    /// [in, out] row-major, so that y = x · W + b.
    let weight: Parameter
    let bias: Parameter

    init(input: SampleShape, outputs: Int, weights: [Float], bias: [Float]) {
        inputShape = input
        outputShape = .flat(outputs)
        weight = Parameter(name: "dense.weight", values: weights, decays: true)
        self.bias = Parameter(name: "dense.bias", values: bias, decays: false)
    }

    var parameters: [Parameter] { [weight, bias] }

    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                 batch: Int, training: Bool, rng: inout SeededRandom) {
        let nIn = inputShape.count, nOut = outputShape.count
        let b = bias.value.pointer
        for n in 0..<batch { (output + n * nOut).update(from: b, count: nOut) }
        sgemm(m: batch, n: nOut, k: nIn, a: input, lda: nIn,
                  b: weight.value.pointer, ldb: nOut, beta: 1, c: output, ldc: nOut)
    }

    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                  gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?, batch: Int) {
        let nIn = inputShape.count, nOut = outputShape.count
        sgemm(transA: true, m: nIn, n: nOut, k: batch, a: input, lda: nIn,
                  b: gradOutput, ldb: nOut, beta: 1, c: weight.gradient.pointer, ldc: nOut)
        let db = bias.gradient.pointer
        for n in 0..<batch {
            let row = gradOutput + n * nOut
            for j in 0..<nOut { db[j] += row[j] }
        }
        if let gradInput {
            sgemm(transB: true, m: batch, n: nIn, k: nOut, a: gradOutput, lda: nOut,
                      b: weight.value.pointer, ldb: nOut, c: gradInput, ldc: nIn)
        }
    }
}

/// Inverted dropout: scales kept activations by 1/(1−rate) in training, identity otherwise.
final class DropoutLayer: NetworkLayer {
    let inputShape: SampleShape
    let rate: Float
    private let mask = FloatBuffer()
    private var maskActive = false
    var outputShape: SampleShape { inputShape }
    var parameters: [Parameter] { [] }

    init(input: SampleShape, rate: Float) {
        inputShape = input
        self.rate = rate
    }

    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                 batch: Int, training: Bool, rng: inout SeededRandom) {
        let count = batch * inputShape.count
        maskActive = training && rate > 0
        guard maskActive else {
            output.update(from: input, count: count)
            return
        }
        mask.reserve(count)
        let keep = 1 / (1 - rate)
        let m = mask.pointer
        for i in 0..<count {
            m[i] = rng.nextUnitFloat() < rate ? 0 : keep
            output[i] = input[i] * m[i]
        }
    }

    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                  gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?, batch: Int) {
        guard let gradInput else { return }
        let count = batch * inputShape.count
        guard maskActive else {
            gradInput.update(from: gradOutput, count: count)
            return
        }
        let m = mask.pointer
        for i in 0..<count { gradInput[i] = gradOutput[i] * m[i] }
    }
}
