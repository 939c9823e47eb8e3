import Foundation

/// Random geometric jitter applied to each training image, seeded through the trainer.
///
/// Each presentation draws a rotation, isotropic scale, translation and (if `elasticAlpha`
/// > 0) a smooth displacement field from a coarse random grid, then resamples bilinearly
/// with zero fill.
public struct AugmentationConfiguration: Sendable, Hashable, Codable {
    /// Maximum translation in pixels along each axis.
    public var maxShift: Float
    /// Maximum absolute rotation in degrees.
    public var maxRotationDegrees: Float
    /// Scale factor range; 1 leaves the size unchanged.
    public var minScale: Float
    public var maxScale: Float
    /// Standard deviation, in pixels, of the elastic displacement at each grid node; 0 disables it.
    public var elasticAlpha: Float
    /// Grid nodes per side for the elastic field (smoothness: fewer is smoother).
    public var elasticGrid: Int
    /// Probability that an image is augmented at all.
    public var probability: Float

    public init(maxShift: Float = 2, maxRotationDegrees: Float = 12, minScale: Float = 0.9, maxScale: Float = 1.1,
                elasticAlpha: Float = 0.8, elasticGrid: Int = 4, probability: Float = 0.9) {
        self.maxShift = maxShift
        self.maxRotationDegrees = maxRotationDegrees
        self.minScale = minScale
        self.maxScale = maxScale
        self.elasticAlpha = elasticAlpha
        self.elasticGrid = elasticGrid
        self.probability = probability
    }

    func validate() throws {
        guard maxShift >= 0, maxRotationDegrees >= 0, minScale > 0, maxScale >= minScale,
              elasticAlpha >= 0, elasticGrid >= 2, probability >= 0, probability <= 1 else {
            throw TrainingError.invalidConfiguration("augmentation parameters out of range: \(self)")
        }
    }
}

/// Applies `AugmentationConfiguration` with preallocated scratch space.
final class Augmenter {
    let configuration: AugmentationConfiguration
    let shape: SampleShape
    private let mapX: FloatBuffer
    private let mapY: FloatBuffer
    private var gridX: [Float]
    private var gridY: [Float]

    init(configuration: AugmentationConfiguration, shape: SampleShape) {
        self.configuration = configuration
        self.shape = shape
        mapX = FloatBuffer(count: shape.height * shape.width)
        mapY = FloatBuffer(count: shape.height * shape.width)
        let nodes = configuration.elasticGrid * configuration.elasticGrid
        gridX = [Float](repeating: 0, count: nodes)
        gridY = [Float](repeating: 0, count: nodes)
    }

    /// Writes an augmented copy of `source` (one sample) into `destination`.
    func apply(source: UnsafePointer<Float>, destination: UnsafeMutablePointer<Float>, rng: inout SeededRandom) {
        let c = configuration
        let h = shape.height, w = shape.width
        guard rng.nextUnitFloat() < c.probability else {
            destination.update(from: source, count: shape.count)
            return
        }
        let angle = rng.nextFloat(in: -c.maxRotationDegrees, c.maxRotationDegrees) * .pi / 180
        let scale = rng.nextFloat(in: c.minScale, c.maxScale)
        let tx = rng.nextFloat(in: -c.maxShift, c.maxShift)
        let ty = rng.nextFloat(in: -c.maxShift, c.maxShift)
        let elastic = c.elasticAlpha > 0
        if elastic {
            for i in gridX.indices {
                gridX[i] = rng.nextGaussian() * c.elasticAlpha
                gridY[i] = rng.nextGaussian() * c.elasticAlpha
            }
        }
        // Inverse map: destination pixel → source coordinate.
        let cosA = cosf(angle) / scale, sinA = sinf(angle) / scale
        let cx = Float(w - 1) / 2, cy = Float(h - 1) / 2
        let g = c.elasticGrid
        let gxScale = Float(g - 1) / Float(max(w - 1, 1)), gyScale = Float(g - 1) / Float(max(h - 1, 1))
        let mx = mapX.pointer, my = mapY.pointer
        for y in 0..<h {
            for x in 0..<w {
                let dx = Float(x) - cx - tx, dy = Float(y) - cy - ty
                var sx = cosA * dx + sinA * dy + cx
                var sy = -sinA * dx + cosA * dy + cy
                if elastic {
                    let gx = Float(x) * gxScale, gy = Float(y) * gyScale
                    let x0 = min(Int(gx), g - 2), y0 = min(Int(gy), g - 2)
                    let fx = gx - Float(x0), fy = gy - Float(y0)
                    let i00 = y0 * g + x0
                    sx += bilerp(gridX[i00], gridX[i00 + 1], gridX[i00 + g], gridX[i00 + g + 1], fx, fy)
                    sy += bilerp(gridY[i00], gridY[i00 + 1], gridY[i00 + g], gridY[i00 + g + 1], fx, fy)
                }
                mx[y * w + x] = sx
                my[y * w + x] = sy
            }
        }
        for channel in 0..<shape.channels {
            let src = source + channel * h * w, dst = destination + channel * h * w
            for i in 0..<(h * w) { dst[i] = sample(src, mx[i], my[i], w, h) }
        }
    }

    private func bilerp(_ a: Float, _ b: Float, _ c: Float, _ d: Float, _ fx: Float, _ fy: Float) -> Float {
        let top = a + (b - a) * fx, bottom = c + (d - c) * fx
        return top + (bottom - top) * fy
    }

    private func sample(_ image: UnsafePointer<Float>, _ x: Float, _ y: Float, _ w: Int, _ h: Int) -> Float {
        guard x > -1, y > -1, x < Float(w), y < Float(h) else { return 0 }
        let fx = x.rounded(.down), fy = y.rounded(.down)
        let x0 = Int(fx), y0 = Int(fy)
        let ax = x - fx, ay = y - fy
        func at(_ xi: Int, _ yi: Int) -> Float {
            (xi >= 0 && xi < w && yi >= 0 && yi < h) ? image[yi * w + xi] : 0
        }
        return bilerp(at(x0, y0), at(x0 + 1, y0), at(x0, y0 + 1), at(x0 + 1, y0 + 1), ax, ay)
    }
}
