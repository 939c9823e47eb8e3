import Foundation
import GlyphImaging

/// The choices of `PhotoRenderer` a caller makes; everything else is drawn per image.
public struct PhotoRenderParameters: Sendable, Equatable {
    /// Gray or RGB (RGBA is written opaque).
    public var bands: RenderBands
    /// The photo's long side in pixels.
    public var sizeRange: ClosedRange<Int>

    public init(bands: RenderBands = .rgb, sizeRange: ClosedRange<Int> = 320...1000) {
        self.bands = bands
        self.sizeRange = sizeRange
    }
}

/// A second scan renderer, written independently of `ScanRenderer` so that accuracy can be
/// measured on renderings nobody tuned the pipeline or the model on: a phone photo of the
/// letter written with one of five pens (ballpoint, gel, felt-tip, broad nib, pencil) on one of
/// six papers, seen through a tilted pinhole camera with lens distortion, lit by a lamp, maybe
/// in a hand's shadow, with a colour cast, defocus or shake, sensor noise, sharpening and
/// (`fileBytes`) phone-like JPEG compression.
///
/// The letter is written on the sheet in millimetres and every output pixel is traced back onto
/// the sheet through the camera, so ink, ruling, folds and sheet edges share one geometry. A
/// value type; all randomness comes from the generator passed in.
public struct PhotoRenderer: Sendable {
    public var parameters: PhotoRenderParameters

    public init(parameters: PhotoRenderParameters = PhotoRenderParameters()) {
        self.parameters = parameters
    }

    /// The photo's pixels. Draws every random choice from `rng`, in a fixed order.
    public func render(_ sample: StrokeSample, using rng: inout SeededGenerator) -> RenderedScan {
        let pen = Pen.choose(rng: &rng)
        let framing = Framing(sizeRange: parameters.sizeRange, penRadius: pen.radius, rng: &rng)
        let letter = Handwriting(sample, heightMM: framing.letterMM, rng: &rng)
        let camera = Camera(framing: framing, letter: letter.extent, penRadius: pen.radius, rng: &rng)
        let ink = InkLayer(letter, pen: pen, cellsPerMM: camera.pixelsPerMM * 1.3, rng: &rng)
        let paper = Paper(letter: letter.extent, pixelsPerMM: camera.pixelsPerMM, rng: &rng)
        let lowLight = rng.chance(0.25)
        let lighting = Lighting(camera: camera, lowLight: lowLight, rng: &rng)
        let optics = Optics(short: min(framing.width, framing.height), rng: &rng)
        let sensor = Sensor(lowLight: lowLight, rng: &rng)
        var scene = Scene(camera: camera, ink: ink, pen: pen, paper: paper, lighting: lighting)
        var radiance = scene.radiance()
        optics.apply(to: &radiance, width: framing.width, height: framing.height)
        let bands = parameters.bands.count
        let bytes = sensor.develop(radiance, width: framing.width, height: framing.height, bands: bands, rng: &rng)
        return RenderedScan(bytes: bytes, width: framing.width, height: framing.height, bands: bands,
                            inkBox: scene.inkBox(margin: optics.reach), lightOnDark: false)
    }

    /// The photo as a phone or a messenger would hand it over: JPEG at quality 60…95, a third
    /// of the time downscaled and compressed a second time at 45…80.
    public func fileBytes(_ sample: StrokeSample, using rng: inout SeededGenerator) throws -> [UInt8] {
        let image = render(sample, using: &rng)
        return try Self.phoneJPEG(image, rng: &rng)
    }

    /// JPEG-compresses `image` the way `fileBytes` does.
    static func phoneJPEG(_ image: RenderedScan, rng: inout SeededGenerator) throws -> [UInt8] {
        let quality = Int(60 + 35 * rng.unit().squareRoot())
        let first = try ImageEncoder.encode(bytes: image.bytes, width: image.width, height: image.height,
                                            bands: image.bands, as: .jpeg, quality: quality)
        guard rng.chance(0.33) else { return first }
        let scale = rng.uniform(0.6, 0.9)
        let again = rng.integer(in: 45...80)
        let stored = try ImageDecoder.storedPixels(first)
        let raster = Raster(width: stored.width, height: stored.height, channels: stored.bands, bytes: stored.bytes)
        guard min(raster.width, raster.height) >= 64 else { return first }
        let smaller = try raster.resized(horizontalScale: scale, verticalScale: scale, kernel: .lanczos3)
        return try ImageEncoder.encode(smaller, as: .jpeg, quality: again)
    }
}

extension PhotoRenderer {
    /// The photo's size and how large the letter is written and shown.
    struct Framing {
        let width: Int
        let height: Int
        /// The letter's larger extent on paper, in millimetres.
        let letterMM: Double
        /// The letter's larger extent as a fraction of the photo's short side.
        let letterFraction: Double

        /// Writers write bigger with a broader pen: the line stays within 12 % of the letter.
        init(sizeRange: ClosedRange<Int>, penRadius: Double, rng: inout SeededGenerator) {
            let long = rng.integer(in: sizeRange)
            let ratios: [(Double, Double)] = [(4, 3), (4, 3), (16, 9), (1, 1), (3, 2)]
            let ratio = rng.element(of: ratios) ?? (4, 3)
            let short = max(16, Int((Double(long) * ratio.1 / ratio.0).rounded()))
            if rng.chance(0.55) { (width, height) = (short, long) } else { (width, height) = (long, short) }
            letterMM = max(rng.logUniform(6...32), 2 * penRadius / 0.12)
            letterFraction = min(0.72, max(0.15, exp(rng.normal(mean: log(0.38), deviation: 0.3))))
        }
    }
}

/// Quintic-faded lattice noise from an integer hash: smooth, deterministic, no stored grid.
struct HashNoise: Sendable {
    let seed: UInt32

    init(rng: inout SeededGenerator) {
        seed = UInt32(truncatingIfNeeded: rng.next())
    }

    /// A value in −1…1 for the lattice point (`x`, `y`).
    @inline(__always)
    func lattice(_ x: Int, _ y: Int) -> Float {
        var h = seed ^ (UInt32(truncatingIfNeeded: x) &* 0x27d4_eb2d) ^ (UInt32(truncatingIfNeeded: y) &* 0x1656_67b1)
        h = (h ^ (h >> 15)) &* 0x85eb_ca6b
        h = (h ^ (h >> 13)) &* 0xc2b2_ae35
        h ^= h >> 16
        return Float(h >> 8) * 0x1.0p-23 - 1
    }

    /// Smooth noise in −1…1 with features one unit across.
    @inline(__always)
    func smooth(_ x: Double, _ y: Double) -> Float {
        let fx = x.rounded(.down), fy = y.rounded(.down)
        let ix = Int(max(-1e9, min(1e9, fx))), iy = Int(max(-1e9, min(1e9, fy)))
        let tx = Float(x - fx), ty = Float(y - fy)
        let sx = tx * tx * tx * (tx * (tx * 6 - 15) + 10), sy = ty * ty * ty * (ty * (ty * 6 - 15) + 10)
        let a = lattice(ix, iy), b = lattice(ix + 1, iy), c = lattice(ix, iy + 1), d = lattice(ix + 1, iy + 1)
        let top = a + (b - a) * sx, bottom = c + (d - c) * sx
        return top + (bottom - top) * sy
    }
}

/// The scan renderers: `scan` (`ScanRenderer`, what models train on) and `photo`
/// (`PhotoRenderer`, written separately to score on renderings nothing was tuned on).
public enum ScanRendererKind: String, Sendable, CaseIterable {
    case scan, photo

    /// Parses a comma-separated list such as `scan,photo` (duplicates dropped, order kept).
    public static func parseList(_ text: String) -> Result<[ScanRendererKind], SynthesisError> {
        var kinds: [ScanRendererKind] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
            guard let kind = ScanRendererKind(rawValue: name) else {
                return .failure(SynthesisError("unknown renderer \"\(name)\"; expected \(allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        return kinds.isEmpty ? .failure(SynthesisError("no renderer given")) : .success(kinds)
    }
}
