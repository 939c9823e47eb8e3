import Foundation

/// Resize (opset 10+) and Upsample: nearest and (multi-)linear interpolation over any axes.
func resizeKernel(_ cfg: ResizeConfig, _ args: [Value?]) throws -> Value {
    let x = try arg(args, 0)
    let r = x.shape.count
    var scales: [Float]? = cfg.legacyScales
    var sizes: [Int]?
    if cfg.legacy {
        if scales == nil { scales = try floatArg(args, 1).data }
    } else {
        if args.count > 3, let s = args[3], s.count > 0 {
            sizes = try s.asInt64.map {
                guard $0 >= 0, $0 <= Int64(Limits.maxElements) else { throw KernelError("invalid size \($0)") }
                return Int($0)
            }
        } else if args.count > 2, let s = args[2], s.count > 0 {
            scales = s.asFloatTensor.data
        }
    }
    let axes = try (cfg.axes ?? Array(0..<r)).map { try Shapes.normalizeAxis($0, rank: r) }
    var outShape = x.shape
    var axisScale = [Float](repeating: 1, count: r)
    if let sizes {
        guard sizes.count == axes.count else { throw KernelError("sizes \(sizes) do not fit axes \(axes)") }
        for (i, a) in axes.enumerated() {
            outShape[a] = sizes[i]
            axisScale[a] = x.shape[a] > 0 ? Float(sizes[i]) / Float(x.shape[a]) : 1
        }
    } else if let scales {
        guard scales.count == axes.count, scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw KernelError("scales \(scales) do not fit axes \(axes)")
        }
        for (i, a) in axes.enumerated() {
            let size = (Double(x.shape[a]) * Double(scales[i])).rounded(.down)
            guard size <= Double(Limits.maxElements) else { throw KernelError("scale \(scales[i]) is absurd") }
            outShape[a] = Int(size)
            axisScale[a] = scales[i]
        }
    } else {
        throw KernelError("neither scales nor sizes given")
    }
    _ = try Shapes.count(outShape)
    if cfg.mode == .nearest {
        let tables = (0..<r).map { a in (0..<outShape[a]).map { nearestIndex($0, cfg, inSize: x.shape[a], outSize: outShape[a], scale: axisScale[a]) } }
        return try gatherValue(x, tables: tables)
    }
    var t = x.asFloatTensor
    for a in 0..<r where outShape[a] != x.shape[a] || axisScale[a] != 1 {
        t = linearPass(t, axis: a, outSize: outShape[a], cfg, scale: axisScale[a])
    }
    return .float(t)
}

private func sourceCoordinate(_ o: Int, _ cfg: ResizeConfig, inSize: Int, outSize: Int, scale: Float) -> Float {
    let of = Float(o)
    switch cfg.coordinates {
    case .halfPixel: return (of + 0.5) / scale - 0.5
    case .pytorchHalfPixel: return outSize > 1 ? (of + 0.5) / scale - 0.5 : 0
    case .alignCorners: return outSize == 1 ? 0 : of * Float(inSize - 1) / Float(outSize - 1)
    case .asymmetric: return of / scale
    case .tfHalfPixelForNN: return (of + 0.5) / scale
    }
}

private func nearestIndex(_ o: Int, _ cfg: ResizeConfig, inSize: Int, outSize: Int, scale: Float) -> Int {
    let x = sourceCoordinate(o, cfg, inSize: inSize, outSize: outSize, scale: scale)
    let i: Float
    switch cfg.nearest {
    case .roundPreferFloor: i = x == x.rounded(.down) + 0.5 ? x.rounded(.down) : x.rounded()
    case .roundPreferCeil: i = x == x.rounded(.down) + 0.5 ? x.rounded(.up) : x.rounded()
    case .floor: i = x.rounded(.down)
    case .ceil: i = x.rounded(.up)
    }
    guard i.isFinite else { return 0 }
    return min(max(Int(i), 0), max(inSize - 1, 0))
}

/// Linear interpolation along one axis.
private func linearPass(_ t: Tensor, axis: Int, outSize: Int, _ cfg: ResizeConfig, scale: Float) -> Tensor {
    let inSize = t.shape[axis]
    let outer = Shapes.product(t.shape, 0..<axis), inner = Shapes.product(t.shape, (axis + 1)..<t.rank)
    var shape = t.shape
    shape[axis] = outSize
    var y = [Float](repeating: 0, count: outer * outSize * inner)
    guard inSize > 0 else { return Tensor(uncheckedShape: shape, data: y) }
    let taps: [(Int, Int, Float)] = (0..<outSize).map { o in
        let x = min(max(sourceCoordinate(o, cfg, inSize: inSize, outSize: outSize, scale: scale), 0), Float(inSize - 1))
        let i0 = min(Int(x.rounded(.down)), inSize - 1)
        return (i0, min(i0 + 1, inSize - 1), x - Float(i0))
    }
    t.data.withUnsafeBufferPointer { p in
        for b in 0..<outer {
            for (o, (i0, i1, w)) in taps.enumerated() {
                let dst = (b * outSize + o) * inner, s0 = (b * inSize + i0) * inner, s1 = (b * inSize + i1) * inner
                for j in 0..<inner { y[dst + j] = p[s0 + j] * (1 - w) + p[s1 + j] * w }
            }
        }
    }
    return Tensor(uncheckedShape: shape, data: y)
}
