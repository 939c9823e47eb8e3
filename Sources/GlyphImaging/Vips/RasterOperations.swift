import CVips
import CVipsShims

/// Interpolation kernels for `Raster.resized`.
public enum ResamplingKernel: String, Sendable, CaseIterable {
    case linear, cubic, lanczos3

    var vips: VipsKernel {
        switch self {
        case .linear: return VIPS_KERNEL_LINEAR
        case .cubic: return VIPS_KERNEL_CUBIC
        case .lanczos3: return VIPS_KERNEL_LANCZOS3
        }
    }
}

extension Raster {
    /// The raster scaled by libvips' `resize` (float precision). libvips rounds the output
    /// size itself; callers that need an exact size crop or pad the result.
    public func resized(horizontalScale: Double, verticalScale: Double, kernel: ResamplingKernel) throws(VipsError) -> Raster {
        let image = try VipsRaster.image(from: self)
        let resized = try image.derive("vips_resize") { gpv_resize($0, $1, horizontalScale, verticalScale, kernel.vips) }
        return try VipsRaster.raster(from: resized)
    }
}

extension Raster {
    /// libvips' `gaussblur` at float precision: the reference that `blur` reproduces in Swift.
    public func gaussianBlurredByLibvips(sigma: Double) throws(VipsError) -> Raster {
        let image = try VipsRaster.image(from: self)
        return try VipsRaster.raster(from: image.derive("vips_gaussblur") { gpv_gaussblur($0, $1, sigma) })
    }
}
