import GlyphImaging

/// Erases the long thin straight lines a page of letters may carry: the boxes and grids of
/// forms, ruling `remove_ruled_lines` left (it needs lines across most of the page), underlines.
///
/// A pixel can belong to a horizontal line when its vertical run of ink is at most `thickness`
/// (0.15 letter heights, at least 3) pixels. An 8-connected chain of such pixels at least 2
/// letter heights wide is a line when a straight band (fitted by least squares, tilted by at
/// most a tenth, as thick as the line's median) holds its pixels over 80 % of its width; the
/// band's pixels are cleared, so thin pieces of a letter touching the line stay. Vertical lines are found
/// the same way, turned (at least 1.4 letter heights tall, or 1.15 with a horizontal line across
/// both ends: the edges of boxes barely taller than their letters), then horizontal ones again, so the
/// crossings of a grid go too. Where a letter crosses a line, its stroke makes the run across
/// the line thicker and stays.
enum FrameLines {
    /// `image` without its lines, and how many horizontal and vertical ones were cleared.
    static func erase(_ image: Raster, level: Float, letterHeight: Double) -> (image: Raster, horizontal: Int, vertical: Int) {
        let thickness = max(3, Int((0.15 * letterHeight).rounded()))
        var output = image
        var counts = [0, 0]
        // Horizontal lines, vertical ones, then horizontal again: a grid's crossings make both
        // kinds look thick there until the other kind is gone.
        for horizontal in [true, false, true] {
            counts[horizontal ? 0 : 1] += erasePass(&output, horizontal: horizontal, level: level, thickness: thickness,
                                                    letterHeight: letterHeight)
        }
        return (output, counts[0], counts[1])
    }

    /// Clears the lines of one direction; returns how many.
    private static func erasePass(_ image: inout Raster, horizontal: Bool, level: Float, thickness: Int, letterHeight: Double) -> Int {
        // Vertical box edges of boxes barely taller than their letters count from 1.15 letter
        // heights when both ends meet a horizontal line (a tall l does not).
        let minimum = (horizontal ? 2.0 : 1.15) * letterHeight
        let mask = thinMask(image, level: level, thickness: thickness, acrossRows: horizontal)
        let (labels, groups) = PageSegmenter.label(mask, level: 0.5)
        var count = 0
        for (index, group) in groups.enumerated() where Double(horizontal ? group.width : group.height) >= minimum {
            // The thin pixels of this group, as (along, across) coordinates.
            var points: [(Double, Double, Int)] = []
            for y in group.minY...group.maxY {
                for x in group.minX...group.maxX where labels[y * image.width + x] == Int32(index + 1) {
                    points.append(horizontal ? (Double(x), Double(y), y * image.width + x) : (Double(y), Double(x), y * image.width + x))
                }
            }
            guard let band = straightBand(points, thickness: Double(thickness), length: Double(horizontal ? group.width : group.height)),
                  Double(band.count) >= 0.6 * Double(points.count) || Double(band.span) >= minimum else { continue }
            if !horizontal && Double(group.height) < 1.4 * letterHeight {
                let x = Int((points.reduce(0) { $0 + $1.1 } / Double(points.count)).rounded())
                let run = Int(0.5 * letterHeight)
                guard meetsCrossbar(image, x: x, from: group.minY, step: -1, reach: 2 * thickness, run: run, level: level),
                      meetsCrossbar(image, x: x, from: group.maxY, step: 1, reach: 2 * thickness, run: run, level: level) else { continue }
            }
            for index in band.pixels { image.pixels[index] = 0 }
            count += 1
        }
        return count
    }

    /// Whether, going from row `from` by `step` up to `reach` rows, column `x` (± 2) meets ink
    /// whose horizontal run is at least `run` long: a horizontal line across the end.
    static func meetsCrossbar(_ image: Raster, x: Int, from: Int, step: Int, reach: Int, run: Int, level: Float) -> Bool {
        for distance in 1...max(1, reach) {
            let y = from + step * distance
            guard y >= 0 && y < image.height else { return false }
            for start in max(0, x - 2)...min(image.width - 1, x + 2) where image[start, y] > level {
                var left = start, right = start
                while left > 0 && image[left - 1, y] > level { left -= 1 }
                while right < image.width - 1 && image[right + 1, y] > level { right += 1 }
                if right - left + 1 >= run { return true }
            }
        }
        return false
    }

    /// The points within half the line's own thickness (its median count of pixels across) + 1
    /// of the straight line fitted to them (least squares, refitted once without the points
    /// far from the first fit), when that band spans at
    /// least 80 % of `length` along the line and tilts by at most a tenth.
    static func straightBand(_ points: [(Double, Double, Int)], thickness: Double, length: Double) -> (pixels: [Int], count: Int, span: Double)? {
        func fit(_ items: [(Double, Double, Int)]) -> (a: Double, b: Double)? {
            let n = Double(items.count)
            guard n >= 2 else { return nil }
            let mx = items.reduce(0) { $0 + $1.0 } / n, my = items.reduce(0) { $0 + $1.1 } / n
            let sxx = items.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }, sxy = items.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
            guard sxx > 0 else { return nil }
            let b = sxy / sxx
            return (my - b * mx, b)
        }
        guard let first = fit(points) else { return nil }
        let near = points.filter { abs($0.1 - first.a - first.b * $0.0) <= 2 * thickness }
        guard let line = fit(near), abs(line.b) <= 0.1 else { return nil }
        // The line's own thickness: its median number of pixels across, where it runs.
        var across: [Int: Int] = [:]
        for point in points where abs(point.1 - line.a - line.b * point.0) <= thickness { across[Int(point.0), default: 0] += 1 }
        let counts = across.values.sorted()
        let own = counts.isEmpty ? thickness : Double(counts[counts.count / 2])
        let band = points.filter { abs($0.1 - line.a - line.b * $0.0) <= own / 2 + 1 }
        guard let low = band.map(\.0).min(), let high = band.map(\.0).max(), high - low + 1 >= 0.8 * length else { return nil }
        return (band.map(\.2), band.count, high - low + 1)
    }

    /// 1 where a pixel is ink whose run across the line direction (down a column for
    /// horizontal lines, along a row for vertical ones) is at most `thickness`, else 0.
    static func thinMask(_ image: Raster, level: Float, thickness: Int, acrossRows: Bool) -> Raster {
        let width = image.width, height = image.height
        var mask = Raster(width: width, height: height, filledWith: 0)
        let (lines, length) = acrossRows ? (width, height) : (height, width)
        image.pixels.withUnsafeBufferPointer { pixels in
            mask.pixels.withUnsafeMutableBufferPointer { out in
                for lineIndex in 0..<lines {
                    func at(_ i: Int) -> Int { acrossRows ? i * width + lineIndex : lineIndex * width + i }
                    var i = 0
                    while i < length {
                        guard pixels[at(i)] > level else { i += 1; continue }
                        var end = i
                        while end + 1 < length && pixels[at(end + 1)] > level { end += 1 }
                        if end - i + 1 <= thickness {
                            for j in i...end { out[at(j)] = 1 }
                        }
                        i = end + 1
                    }
                }
            }
        }
        return mask
    }
}
