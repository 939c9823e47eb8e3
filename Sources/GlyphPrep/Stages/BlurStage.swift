import CVips
import CVipsShims

/// Gaussian blur with libvips (EMNIST blurs its letters with σ = 1 before cropping).
public struct BlurStage: PipelineStage {
    public static let name = "blur"
    public static let summary = "Gaussian blur (libvips gaussblur, float precision)"
    public static let parameters = [
        ParameterDoc("sigma", "0.1…50", default: "1", "standard deviation in pixels"),
    ]

    public var sigma: Double = 1

    public init(sigma: Double = 1) { self.sigma = sigma }

    enum CodingKeys: String, CodingKey, CaseIterable { case sigma }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: CodingKeys.allCases.map(\.rawValue), in: Self.name)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sigma = try container.decode(.sigma, default: 1, in: 0.1...50)
    }

    public var label: String { "σ \(sigma.compact)" }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        let sigma = self.sigma
        return try VipsRaster.transform(image, stage: Self.name) { (input: VipsImage) throws(VipsError) -> VipsImage in
            try input.derive("vips_gaussblur") { gpv_gaussblur($0, $1, sigma) }
        }
    }
}
