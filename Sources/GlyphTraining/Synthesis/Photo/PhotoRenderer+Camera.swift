import Foundation
import GlyphImaging

extension PhotoRenderer {
    /// A pinhole camera above the sheet (the plane z = 0, the letter's centre at the origin,
    /// y down), tilted and turned, with radial lens distortion. Traces each pixel back to the
    /// sheet: the inverse of the homography the tilt makes, so everything on the sheet is
    /// foreshortened alike.
    struct Camera {
        let width: Int
        let height: Int
        let focal: Double
        let principal: (x: Double, y: Double)
        /// World → camera rotation, row-major 3×3.
        private let rotation: [Double]
        /// The camera's centre in world millimetres (z < 0: above the sheet).
        private let centre: (x: Double, y: Double, z: Double)
        /// Radial distortion: a pixel at normalized radius r sees the ray at r·(1 + k r²).
        private let distortion: Double
        /// Pixels per millimetre at the letter when seen head-on.
        let pixelsPerMM: Double

        init(framing: Framing, letter extent: (x: Double, y: Double), penRadius: Double, rng: inout SeededGenerator) {
            width = framing.width
            height = framing.height
            let short = Double(min(width, height)), long = Double(max(width, height))
            pixelsPerMM = framing.letterFraction * short / (2 * max(extent.x, extent.y))
            focal = long * rng.uniform(0.7, 1.15)
            principal = (Double(width) / 2 + rng.normal(mean: 0, deviation: 0.01 * short),
                         Double(height) / 2 + rng.normal(mean: 0, deviation: 0.01 * short))
            distortion = max(-0.12, min(0.12, rng.normal(mean: -0.02, deviation: 0.05)))
            let distance = focal / pixelsPerMM
            let half = (extent.x + penRadius * 4 + 0.5, extent.y + penRadius * 4 + 0.5)
            let margin = 0.05 * short + 2
            let (w, h, f, centreOfView) = (Double(width), Double(height), focal, principal)
            var pose = (rotation: Self.rotation(pitch: 0, yaw: 0, roll: 0), centre: (0.0, 0.0, -distance))
            for attempt in 0..<5 {
                let s = attempt == 4 ? 0 : pow(0.5, Double(attempt))
                func clipped(_ deviation: Double, _ limit: Double) -> Double {
                    max(-limit, min(limit, rng.normal(mean: 0, deviation: deviation))) * s
                }
                let r = Self.rotation(pitch: clipped(0.13, 0.33), yaw: clipped(0.13, 0.33), roll: clipped(0.06, 0.2))
                let aim = (clipped(0.13 * w, 0.35 * w) / pixelsPerMM, clipped(0.13 * h, 0.35 * h) / pixelsPerMM)
                // The optical axis (the rotation's third row, in world terms) meets the sheet at `aim`.
                let c = (aim.0 - distance * r[6], aim.1 - distance * r[7], -distance * r[8])
                pose = (r, c)
                let corners = [(-half.0, -half.1), (half.0, -half.1), (-half.0, half.1), (half.0, half.1)]
                let fits = corners.allSatisfy { corner in
                    guard let p = Self.project(corner, rotation: r, centre: c, focal: f, principal: centreOfView) else { return false }
                    return p.x >= margin && p.y >= margin && p.x <= w - margin && p.y <= h - margin
                }
                if fits { break }
            }
            rotation = pose.rotation
            centre = pose.centre
        }

        /// World → camera rotation for a camera pitched about x, yawed about y, rolled about its axis.
        private static func rotation(pitch: Double, yaw: Double, roll: Double) -> [Double] {
            func multiply(_ a: [Double], _ b: [Double]) -> [Double] {
                var product = [Double](repeating: 0, count: 9)
                for row in 0..<3 {
                    for column in 0..<3 {
                        var sum = 0.0
                        for k in 0..<3 { sum += a[row * 3 + k] * b[k * 3 + column] }
                        product[row * 3 + column] = sum
                    }
                }
                return product
            }
            let (cp, sp, cy, sy, cr, sr) = (cos(pitch), sin(pitch), cos(yaw), sin(yaw), cos(roll), sin(roll))
            let x: [Double] = [1, 0, 0, 0, cp, -sp, 0, sp, cp]
            let y: [Double] = [cy, 0, sy, 0, 1, 0, -sy, 0, cy]
            let z: [Double] = [cr, -sr, 0, sr, cr, 0, 0, 0, 1]
            return multiply(z, multiply(x, y))
        }

        /// Where a sheet point appears (distortion left out); nil behind the camera.
        private static func project(
            _ point: (Double, Double), rotation r: [Double], centre c: (Double, Double, Double), focal: Double,
            principal: (x: Double, y: Double)
        ) -> (x: Double, y: Double)? {
            let d = (point.0 - c.0, point.1 - c.1, -c.2)
            let z = r[6] * d.0 + r[7] * d.1 + r[8] * d.2
            guard z > 1e-9 else { return nil }
            return (principal.x + focal * (r[0] * d.0 + r[1] * d.1 + r[2] * d.2) / z,
                    principal.y + focal * (r[3] * d.0 + r[4] * d.1 + r[5] * d.2) / z)
        }

        /// The sheet point (mm) seen at image point (`px`, `py`); nil when the ray misses the plane.
        @inline(__always)
        func sheetPoint(_ px: Double, _ py: Double) -> (x: Double, y: Double)? {
            let nx = (px - principal.x) / focal, ny = (py - principal.y) / focal
            let m = 1 + distortion * (nx * nx + ny * ny)
            let (dx, dy) = (nx * m, ny * m)
            let r = rotation
            let wx = r[0] * dx + r[3] * dy + r[6], wy = r[1] * dx + r[4] * dy + r[7], wz = r[2] * dx + r[5] * dy + r[8]
            guard wz > 1e-9 else { return nil }
            let t = -centre.z / wz
            return (centre.x + t * wx, centre.y + t * wy)
        }

        /// cos⁴ of the angle between the ray at (`px`, `py`) and the optical axis (natural vignetting).
        @inline(__always)
        func cosineFourth(_ px: Double, _ py: Double) -> Float {
            let nx = (px - principal.x) / focal, ny = (py - principal.y) / focal
            let c2 = 1 / (1 + nx * nx + ny * ny)
            return Float(c2 * c2)
        }
    }

    /// Everything in front of the camera, traced pixel by pixel into linear RGB radiance.
    struct Scene {
        let camera: Camera
        let ink: InkLayer
        let pen: Pen
        let paper: Paper
        let lighting: Lighting
        /// The pixels where ink shows, as (minX, minY, maxX, maxY); empty until `radiance` ran.
        private(set) var inkBounds = (Int.max, Int.max, Int.min, Int.min)

        init(camera: Camera, ink: InkLayer, pen: Pen, paper: Paper, lighting: Lighting) {
            self.camera = camera
            self.ink = ink
            self.pen = pen
            self.paper = paper
            self.lighting = lighting
        }

        /// Three floats per pixel, about 0…1.
        mutating func radiance() -> [Float] {
            let width = camera.width, height = camera.height
            var out = [Float](repeating: 0, count: width * height * 3)
            let t = pen.transmittance
            var bounds = inkBounds
            for y in 0..<height {
                let py = Double(y) + 0.5
                for x in 0..<width {
                    let px = Double(x) + 0.5
                    var colour: (Float, Float, Float) = paper.desk.colour
                    var light = lighting.ambient
                    if let sheet = camera.sheetPoint(px, py) {
                        colour = paper.reflectance(sheet.x, sheet.y)
                        let c = ink.sample(x: sheet.x, y: sheet.y)
                        if c > 0 {
                            colour = (colour.0 * (1 - c + c * t.0), colour.1 * (1 - c + c * t.1), colour.2 * (1 - c + c * t.2))
                            if c > 0.15 {
                                bounds = (min(bounds.0, x), min(bounds.1, y), max(bounds.2, x), max(bounds.3, y))
                            }
                        }
                        light = lighting.irradiance(sheetX: sheet.x, sheetY: sheet.y, px: px, py: py, camera: camera)
                    }
                    let i = (y * width + x) * 3
                    out[i] = colour.0 * light * lighting.gains.0
                    out[i + 1] = colour.1 * light * lighting.gains.1
                    out[i + 2] = colour.2 * light * lighting.gains.2
                }
            }
            inkBounds = bounds
            return out
        }

        /// The ink's pixels grown by `margin` (blur), clipped to the image; the image's centre
        /// pixel when no ink shows.
        func inkBox(margin: Int) -> PixelRect {
            let (x0, y0, x1, y1) = inkBounds
            guard x0 <= x1, y0 <= y1 else { return PixelRect(x: camera.width / 2, y: camera.height / 2, width: 1, height: 1) }
            let left = max(0, x0 - margin), top = max(0, y0 - margin)
            let right = min(camera.width - 1, x1 + margin), bottom = min(camera.height - 1, y1 + margin)
            return PixelRect(x: left, y: top, width: right - left + 1, height: bottom - top + 1)
        }
    }
}
