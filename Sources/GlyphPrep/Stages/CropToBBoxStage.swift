/// Crops to the bounding box of the ink: pixels above a threshold, in connected groups of at
/// least `min_area` pixels (smaller specks are dust and noise, not ink).
///
/// Records the box in source pixels for the manifest. An image without ink fails with `no_ink`.
public struct CropToBBoxStage: PipelineStage {
    public static let name = "crop_to_bbox"
    public static let summary = "crop to the bounding box of the ink, ignoring specks smaller than min_area"
    public static let parameters = [
        ParameterDoc("threshold", "fraction 0…1 | otsu", default: "0.5", "ink is brighter than threshold × 255 (otsu: chosen from the histogram)"),
        ParameterDoc("min_area", "pixels ≥ 1", default: "16", "connected groups of ink smaller than this are ignored"),
        ParameterDoc("margin", "pixels ≥ 0", default: "0", "extra border kept around the box (clipped to the image)"),
        ParameterDoc("ignore_border", "true | false", default: "false", "ignore groups touching the image edge (desk, sheet edges, shadows)"),
    ]

    /// How the ink threshold is chosen.
    public enum Threshold: Sendable, Equatable {
        case fraction(Double)
        case otsu
    }

    public var threshold: Threshold = .fraction(0.5)
    public var minArea: Int = 16
    public var margin: Int = 0
    public var ignoreBorder = false

    public init(threshold: Threshold = .fraction(0.5), minArea: Int = 16, margin: Int = 0, ignoreBorder: Bool = false) {
        self.threshold = threshold
        self.minArea = minArea
        self.margin = margin
        self.ignoreBorder = ignoreBorder
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case threshold, minArea = "min_area", margin, ignoreBorder = "ignore_border"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: CodingKeys.allCases.map(\.rawValue), in: Self.name)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let text = try? container.decodeIfPresent(String.self, forKey: .threshold), Double(text) == nil {
            guard text == "otsu" else {
                throw DecodingError.dataCorruptedError(
                    forKey: .threshold, in: container,
                    debugDescription: "threshold must be a fraction between 0 and 1 or 'otsu', got '\(text)'")
            }
            threshold = .otsu
        } else {
            threshold = .fraction(try container.decode(.threshold, default: 0.5, in: 0...1))
        }
        minArea = try container.decode(.minArea, default: 16, in: 1...Int(Int32.max))
        margin = try container.decode(.margin, default: 0, in: 0...100_000)
        ignoreBorder = try container.decodeIfPresent(Bool.self, forKey: .ignoreBorder) ?? false
    }

    public var label: String {
        switch threshold {
        case .otsu: return "otsu, ≥\(minArea) px"
        case .fraction(let value): return "t \(value.compact), ≥\(minArea) px"
        }
    }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        let level: Float
        switch threshold {
        case .otsu: level = Histogram(image.pixels).otsuThreshold()
        case .fraction(let value): level = Float(value * 255)
        }
        guard let box = inkBox(image, level: level) else {
            throw StageFailure(.noInk, "no ink above level \(Int(level)) in groups of at least \(minArea) pixels (blank page?)")
        }
        let x0 = max(0, box.x - margin), y0 = max(0, box.y - margin)
        let x1 = min(image.width, box.x + box.width + margin), y1 = min(image.height, box.y + box.height + margin)
        let rect = PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
        context.inkBox = context.sourceRect(for: box)
        context.crop(to: rect)
        return image.cropped(to: rect)
    }

    /// The union of the boxes of 8-connected groups of pixels above `level` with at least
    /// `minArea` pixels (and, with `ignoreBorder`, not touching the image edge).
    func inkBox(_ image: Raster, level: Float) -> PixelRect? {
        let width = image.width, height = image.height
        var regions = BrightRegions(image, above: level)
        var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
        for start in 0..<(width * height) where regions.isUnvisitedBright(start) {
            var area = 0
            var gx0 = Int.max, gy0 = Int.max, gx1 = -1, gy1 = -1
            regions.fill(from: start) { x, y in
                area += 1
                gx0 = min(gx0, x); gx1 = max(gx1, x); gy0 = min(gy0, y); gy1 = max(gy1, y)
            }
            let touchesBorder = gx0 == 0 || gy0 == 0 || gx1 == width - 1 || gy1 == height - 1
            if area >= minArea && !(ignoreBorder && touchesBorder) {
                minX = min(minX, gx0); maxX = max(maxX, gx1); minY = min(minY, gy0); maxY = max(maxY, gy1)
            }
        }
        guard maxX >= 0 else { return nil }
        return PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
    }
}
