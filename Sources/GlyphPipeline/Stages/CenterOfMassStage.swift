import GlyphImaging

/// Shifts the image so its intensity centroid sits at the canvas centre, as MNIST does.
///
/// The centre is ((w − 1)/2, (h − 1)/2) in pixel indices. `integer` shifts by whole pixels
/// (the centroid ends within 0.5 px of the centre); `subpixel` shifts bilinearly.
public struct CenterOfMassStage: PipelineStage {
    public static let name = "center_of_mass"
    public static let summary = "shift so the intensity centroid is at the canvas centre"
    public static let parameters: [StageParameter<Self>] = [
        .choice("shift", \.shift, "whole-pixel shift, or bilinear sub-pixel shift"),
    ]

    /// How the image is moved.
    public enum Shift: String, Sendable, CaseIterable {
        case integer, subpixel
    }

    public var shift: Shift = .integer

    public init() {}

    public var label: String { shift.rawValue }

    /// The intensity-weighted centroid (x, y), or nil for an all-black image.
    public static func centroid(_ image: Raster) -> (x: Double, y: Double)? {
        var total = 0.0, sumX = 0.0, sumY = 0.0
        for y in 0..<image.height {
            for x in 0..<image.width {
                let value = Double(max(0, image[x, y]))
                total += value
                sumX += value * Double(x)
                sumY += value * Double(y)
            }
        }
        return total > 0 ? (sumX / total, sumY / total) : nil
    }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        guard let (cx, cy) = Self.centroid(image) else { return image }
        let dx = Double(image.width - 1) / 2 - cx
        let dy = Double(image.height - 1) / 2 - cy
        switch shift {
        case .integer:
            return image.placed(onCanvasWidth: image.width, height: image.height,
                                atX: Int(dx.rounded()), y: Int(dy.rounded()))
        case .subpixel:
            return Self.bilinearShift(image, dx: dx, dy: dy)
        }
    }

    static func bilinearShift(_ image: Raster, dx: Double, dy: Double) -> Raster {
        var out = Raster(width: image.width, height: image.height)
        for y in 0..<image.height {
            for x in 0..<image.width {
                let sx = Double(x) - dx, sy = Double(y) - dy
                let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
                let fx = Float(sx - Double(x0)), fy = Float(sy - Double(y0))
                func sample(_ px: Int, _ py: Int) -> Float {
                    px >= 0 && py >= 0 && px < image.width && py < image.height ? image[px, py] : 0
                }
                let top = sample(x0, y0) * (1 - fx) + sample(x0 + 1, y0) * fx
                let bottom = sample(x0, y0 + 1) * (1 - fx) + sample(x0 + 1, y0 + 1) * fx
                out[x, y] = top * (1 - fy) + bottom * fy
            }
        }
        return out
    }
}
