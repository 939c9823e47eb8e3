import Foundation
import GlyphImaging

/// Renders a `StrokeSample` either as a realistic phone photo or scan of the letter written on
/// paper (random placement, size, pen, slant, ink, paper, lighting, blur and noise), or as an
/// ideal clean rendering (white strokes on black, centred).
///
/// A value type with no shared state: call it from any thread; all randomness comes from the
/// `SeededGenerator` passed in, so the same generator state gives the same bytes.
public struct ScanRenderer: Sendable {
    public var parameters: ScanRenderParameters

    public init(parameters: ScanRenderParameters = ScanRenderParameters()) {
        self.parameters = parameters
    }

    /// Renders `sample` with `parameters`, drawing every random choice from `rng`.
    public static func render(
        _ sample: StrokeSample, parameters: ScanRenderParameters, rng: inout SeededGenerator
    ) -> RenderedScan {
        ScanRenderer(parameters: parameters).render(sample, using: &rng)
    }

    /// Renders `sample`, drawing every random choice from `rng`.
    public func render(_ sample: StrokeSample, using rng: inout SeededGenerator) -> RenderedScan {
        switch parameters.mode {
        case .clean: renderClean(sample, rng: &rng)
        case .scan: renderScan(sample, rng: &rng)
        }
    }

    // MARK: - Clean

    private func renderClean(_ sample: StrokeSample, rng: inout SeededGenerator) -> RenderedScan {
        let side = max(4, rng.integer(in: parameters.sizeRange))
        let strokes = Self.normalized(sample)
        let radius = Float(max(0.5, parameters.cleanPenWidthFraction * Double(side) / 2))
        let placed = Self.place(strokes, scale: parameters.cleanGlyphFraction * Double(side),
                                cx: Double(side) / 2, cy: Double(side) / 2).map { Self.smoothed($0) }
        var canvas = CoverageCanvas(width: side, height: side)
        for stroke in placed { canvas.drawPolyline(stroke, radius: radius) }
        let bands = parameters.bands.count
        var bytes = [UInt8](repeating: 255, count: side * side * bands)
        for i in 0..<(side * side) {
            let v = UInt8(clamping: Int((canvas.values[i] * 255).rounded()))
            for c in 0..<min(bands, 3) { bytes[i * bands + c] = v }
        }
        return RenderedScan(bytes: bytes, width: side, height: side, bands: bands,
                            inkBox: Self.inkBox(placed, radius: radius, width: side, height: side),
                            lightOnDark: true)
    }

    // MARK: - Scan

    /// Each step draws its random choices from `rng` in turn, so the order of the steps is part
    /// of the output: keep it when changing any of them.
    private func renderScan(_ sample: StrokeSample, rng: inout SeededGenerator) -> RenderedScan {
        let p = parameters
        let frame = Frame(parameters: p, rng: &rng)
        let strokes = Self.distorted(Self.normalized(sample), parameters: p, rng: &rng)
        let placement = Placement(strokes, in: frame, parameters: p, rng: &rng)
        let chalkboard = p.bands != .rgba && rng.chance(p.chalkboardProbability)
        let ink = Ink.choose(chalkboard: chalkboard, rng: &rng)
        var coverage = InkCoverage(placement, ink: ink, frame: frame, parameters: p, rng: &rng)
        if p.bands == .rgba {
            return composeTransparent(canvas: coverage.canvas, ink: ink, box: coverage.box, noise: &coverage.noise, rng: &rng)
        }
        let paper = Paper(chalkboard: chalkboard, frame: frame, rng: &rng)
        let lighting = Lighting(parameters: p, chalkboard: chalkboard, frame: frame, rng: &rng)
        let ruling = Ruling(parameters: p, chalkboard: chalkboard, target: placement.target, frame: frame, rng: &rng)
        let noiseSigma = Float(rng.uniform(p.noiseSigma))
        let desk = Desk(parameters: p, chalkboard: chalkboard, frame: frame, inkBox: coverage.box, rng: &rng)
        let scene = OpaqueScene(frame: frame, keystone: placement.keystone, ink: ink, paper: paper, ruling: ruling,
                                lighting: lighting, desk: desk, noiseSigma: noiseSigma, bands: p.bands.count)
        let bytes = scene.bytes(coverage: coverage.canvas, noise: &coverage.noise)
        return RenderedScan(bytes: bytes, width: frame.width, height: frame.height, bands: p.bands.count,
                            inkBox: coverage.box, lightOnDark: chalkboard)
    }

    @inline(__always)
    static func byte(_ value: Float) -> UInt8 {
        value <= 0 ? 0 : (value >= 255 ? 255 : UInt8(value + 0.5))
    }
}
