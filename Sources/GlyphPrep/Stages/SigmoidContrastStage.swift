import Foundation

/// Sigmoid contrast, applied as a 256-entry lookup table: grey, fuzzy stroke edges turn crisp.
///
/// f(x) = 1 / (1 + e^(−gain·(x/255 − midpoint))), rescaled so that 0 → 0 and 255 → 255.
/// Inputs are rounded to the nearest level before the lookup.
public struct SigmoidContrastStage: PipelineStage {
    public static let name = "sigmoid_contrast"
    public static let summary = "sigmoid lookup table: f(x) = 1/(1+e^(−gain·(x/255−midpoint))), rescaled to 0…255"
    public static let parameters = [
        ParameterDoc("gain", "0.1…200", default: "25", "steepness of the curve"),
        ParameterDoc("midpoint", "0…1", default: "0.5", "input level (as a fraction of 255) mapped to the curve's middle"),
    ]

    public var gain: Double = 25
    public var midpoint: Double = 0.5
    /// The lookup table: entry i is the output for input level i.
    public let table: [Float]

    public init(gain: Double = 25, midpoint: Double = 0.5) {
        self.gain = gain
        self.midpoint = midpoint
        table = Self.makeTable(gain: gain, midpoint: midpoint)
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case gain, midpoint }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: CodingKeys.allCases.map(\.rawValue), in: Self.name)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(gain: try container.decode(.gain, default: 25, in: 0.1...200),
                  midpoint: try container.decode(.midpoint, default: 0.5, in: 0...1))
    }

    /// The curve before quantisation, for any input level.
    public static func curve(_ x: Double, gain: Double, midpoint: Double) -> Double {
        func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-gain * (v / 255 - midpoint))) }
        let low = sigmoid(0), high = sigmoid(255)
        return (sigmoid(x) - low) / (high - low) * 255
    }

    static func makeTable(gain: Double, midpoint: Double) -> [Float] {
        (0..<256).map { Float(curve(Double($0), gain: gain, midpoint: midpoint)) }
    }

    public var label: String { "gain \(gain.compact), mid \(midpoint.compact)" }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        var out = image
        table.withUnsafeBufferPointer { lut in
            out.pixels.withUnsafeMutableBufferPointer { pixels in
                for i in pixels.indices { pixels[i] = lut[Int(min(255, max(0, pixels[i] + 0.5)))] }
            }
        }
        return out
    }
}
