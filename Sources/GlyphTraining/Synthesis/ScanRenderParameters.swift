import GlyphImaging

/// The pixel layout a renderer writes: gray (1 band), RGB (3) or RGBA (4, transparent paper).
public enum RenderBands: String, Sendable, CaseIterable {
    case gray, rgb, rgba

    /// Interleaved samples per pixel.
    public var count: Int {
        switch self {
        case .gray: 1
        case .rgb: 3
        case .rgba: 4
        }
    }
}

/// How `ScanRenderer` draws a sample: the ranges every random choice is drawn from.
///
/// Fractions are relative to the quantity named; ranges are sampled uniformly unless noted.
public struct ScanRenderParameters: Sendable, Equatable {
    /// `scan`: a photo or scan of the letter on paper. `clean`: white strokes of a fixed relative
    /// width on black, centred, square, no noise (the ideal input for measuring accuracy).
    public enum Mode: String, Sendable, CaseIterable {
        case scan, clean
    }

    public var mode: Mode
    public var bands: RenderBands
    /// The output's long side in pixels (clean mode: the square's side).
    public var sizeRange: ClosedRange<Int>
    /// Width / height ratios to choose from for scan images.
    public var aspectRatios: [Double]
    /// The glyph's larger extent as a fraction of the image's short side.
    public var glyphSizeFraction: ClosedRange<Double>
    /// Pen width as a fraction of the glyph's size, drawn log-uniformly (ballpoint … marker).
    public var penWidthFraction: ClosedRange<Double>
    /// Horizontal shear (positive leans right).
    public var slant: ClosedRange<Double>
    /// Rotation in degrees.
    public var rotationDegrees: ClosedRange<Double>
    /// Smooth random displacement of stroke points, as a fraction of the glyph size.
    public var jitterFraction: ClosedRange<Double>
    /// Gaussian blur sigma as a fraction of the long side.
    public var blurFraction: ClosedRange<Double>
    /// Per-pixel sensor noise, standard deviation on the 0…255 scale.
    public var noiseSigma: ClosedRange<Double>
    /// Overall exposure (1 = paper at its own brightness; phone photos of paper are often grey).
    public var exposure: ClosedRange<Double>
    /// Strength of the linear lighting gradient across the image.
    public var lightingGradient: ClosedRange<Double>
    /// Darkening at the corners.
    public var vignette: ClosedRange<Double>
    /// Probability of a soft shadow across part of the page (a phone or hand).
    public var shadowProbability: Double
    /// Probability of ruled notebook paper (grid paper a third of those times).
    public var ruledPaperProbability: Double
    /// Probability of light chalk on a dark board (never for RGBA output).
    public var chalkboardProbability: Double
    /// Probability that the photo shows the desk beyond one or more edges of the sheet.
    public var deskProbability: Double
    /// Keystone strength: relative scale change from the centre to the image edge (random sign
    /// per axis), as when the phone is tilted against the sheet.
    public var keystone: ClosedRange<Double>
    /// Relative variation of the pen width along a stroke (pressure), drawn per stroke.
    public var pressureVariation: ClosedRange<Double>
    /// Clean mode: stroke width as a fraction of the image side.
    public var cleanPenWidthFraction: Double
    /// Clean mode: the glyph's larger extent (stroke centres) as a fraction of the side.
    public var cleanGlyphFraction: Double

    public init(
        mode: Mode = .scan,
        bands: RenderBands = .rgb,
        sizeRange: ClosedRange<Int> = 300...1200,
        aspectRatios: [Double] = [0.75, 4.0 / 3.0, 1.0, 0.707, 1.414],
        glyphSizeFraction: ClosedRange<Double> = 0.15...0.60,
        penWidthFraction: ClosedRange<Double> = 0.012...0.11,
        slant: ClosedRange<Double> = -0.3...0.3,
        rotationDegrees: ClosedRange<Double> = -10...10,
        jitterFraction: ClosedRange<Double> = 0...0.01,
        blurFraction: ClosedRange<Double> = 0...0.0012,
        noiseSigma: ClosedRange<Double> = 0.5...4.5,
        exposure: ClosedRange<Double> = 0.72...1.05,
        lightingGradient: ClosedRange<Double> = 0...0.35,
        vignette: ClosedRange<Double> = 0...0.35,
        shadowProbability: Double = 0.15,
        ruledPaperProbability: Double = 0.15,
        chalkboardProbability: Double = 0.05,
        deskProbability: Double = 0.12,
        keystone: ClosedRange<Double> = 0...0.08,
        pressureVariation: ClosedRange<Double> = 0...0.25,
        cleanPenWidthFraction: Double = 0.09,
        cleanGlyphFraction: Double = 0.64
    ) {
        self.mode = mode
        self.bands = bands
        self.sizeRange = sizeRange
        self.aspectRatios = aspectRatios
        self.glyphSizeFraction = glyphSizeFraction
        self.penWidthFraction = penWidthFraction
        self.slant = slant
        self.rotationDegrees = rotationDegrees
        self.jitterFraction = jitterFraction
        self.blurFraction = blurFraction
        self.noiseSigma = noiseSigma
        self.exposure = exposure
        self.lightingGradient = lightingGradient
        self.vignette = vignette
        self.shadowProbability = shadowProbability
        self.ruledPaperProbability = ruledPaperProbability
        self.chalkboardProbability = chalkboardProbability
        self.deskProbability = deskProbability
        self.keystone = keystone
        self.pressureVariation = pressureVariation
        self.cleanPenWidthFraction = cleanPenWidthFraction
        self.cleanGlyphFraction = cleanGlyphFraction
    }

    /// Ideal renderings: `side`×`side`, white strokes on black, one gray band.
    public static func clean(side: Int = 28) -> ScanRenderParameters {
        ScanRenderParameters(mode: .clean, bands: .gray, sizeRange: side...side)
    }
}

/// A rendered image: packed 8-bit samples (row-major, `bands` interleaved) plus where the
/// glyph's ink lies.
public struct RenderedScan: Sendable, Equatable {
    public var bytes: [UInt8]
    public var width: Int
    public var height: Int
    /// 1 gray, 3 RGB, 4 RGBA.
    public var bands: Int
    /// The box covering every stroke including the pen's width (clipped to the image).
    public var inkBox: PixelRect
    /// True when the ink is lighter than the background (clean mode, chalkboard).
    public var lightOnDark: Bool

    public init(bytes: [UInt8], width: Int, height: Int, bands: Int, inkBox: PixelRect, lightOnDark: Bool) {
        self.bytes = bytes
        self.width = width
        self.height = height
        self.bands = bands
        self.inkBox = inkBox
        self.lightOnDark = lightOnDark
    }

    /// The image as a `Raster` for in-process use (e.g. by a trainer): gray stays one channel,
    /// RGB three, and RGBA is flattened onto white into RGB, as the loader does with files.
    public func raster() -> Raster {
        switch bands {
        case 1, 3:
            return Raster(width: width, height: height, channels: bands, bytes: bytes)
        default:
            var pixels = [Float](repeating: 0, count: width * height * 3)
            for i in 0..<(width * height) {
                let alpha = bands == 4 ? Float(bytes[i * bands + 3]) / 255 : 1
                for c in 0..<3 {
                    let v = Float(bytes[i * bands + min(c, bands - 1)])
                    pixels[i * 3 + c] = v * alpha + 255 * (1 - alpha)
                }
            }
            return Raster(width: width, height: height, channels: 3, pixels: pixels)
        }
    }
}
