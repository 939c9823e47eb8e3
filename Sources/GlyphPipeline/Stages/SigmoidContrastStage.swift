import Foundation
import GlyphImaging

/// Sigmoid contrast, applied as a 256-entry lookup table: grey, fuzzy stroke edges turn crisp.
///
/// f(x) = 1 / (1 + e^(−gain·(x/255 − midpoint))), rescaled so that 0 → 0 and 255 → 255.
/// Inputs are rounded to the nearest level before the lookup.
public struct SigmoidContrastStage: PipelineStage {
    public static let name = "sigmoid_contrast"
    public static let summary = "sigmoid lookup table: f(x) = 1/(1+e^(−gain·(x/255−midpoint))), rescaled to 0…255"
    public static let parameters: [StageParameter<Self>] = [
        .number("gain", \.gain, in: 0.1...200, "steepness of the curve"),
        .number("midpoint", \.midpoint, in: 0...1, "input level (as a fraction of 255) mapped to the curve's middle"),
    ]

    public var gain: Double = 25
    public var midpoint: Double = 0.5

    /// The lookup table: entry i is the output for input level i.
    public var table: [Float] { Self.makeTable(gain: gain, midpoint: midpoint) }

    /// The curve before quantisation, for any input level.
    public static func curve(_ x: Double, gain: Double, midpoint: Double) -> Double {
        func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-gain * (v / 255 - midpoint))) }
        let low = sigmoid(0), high = sigmoid(255)
        return (sigmoid(x) - low) / (high - low) * 255
    }

    static func makeTable(gain: Double, midpoint: Double) -> [Float] {
        (0..<256).map { Float(curve(Double($0), gain: gain, midpoint: midpoint)) }
    }

    public init() {}

    public var label: String { "gain \(gain.compact), mid \(midpoint.compact)" }

    public func apply(_ image: Raster, context: inout StageContext) throws(StageFailure) -> Raster {
        var out = image
        let table = self.table
        table.withUnsafeBufferPointer { lut in
            out.pixels.withUnsafeMutableBufferPointer { pixels in
                for i in pixels.indices { pixels[i] = lut[Int(min(255, max(0, pixels[i] + 0.5)))] }
            }
        }
        return out
    }
}
