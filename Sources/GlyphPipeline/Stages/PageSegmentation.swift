import GlyphImaging

/// A letter found on a page, at the working scale of the raster it was found in.
public struct SegmentedGlyph: Sendable, Equatable {
    /// The glyph's ink box in the page raster.
    public var box: PixelRect
    /// 0-based line, top to bottom.
    public var line: Int
    /// 0-based word within its line, left to right.
    public var word: Int
    /// Clearly wider than a letter: perhaps several touching letters (cursive is out of scope).
    public var wide: Bool
    /// Its 8-connected ink components' labels (see `PageSegmentation.labels`).
    var components: [Int32]
}

/// The letters of a page in reading order, and the label map that tells their ink apart.
public struct PageSegmentation: Sendable {
    /// The glyphs kept, in reading order: lines top to bottom, left to right within a line.
    public var glyphs: [SegmentedGlyph]
    /// Letter-sized groups found before the cap on their number was applied.
    public var found: Int
    /// The typical letter height in pixels (median of the letter-sized components).
    public var letterHeight: Double
    /// Per pixel: 0 below the ink level, else 1 + the index of its component.
    var labels: [Int32]
    /// The page the glyphs were found in (frame lines erased).
    let page: Raster

    /// The glyph `index` cut out of the page: its box grown by `margin` pixels (clipped), with
    /// the ink of every other component (neighbours, specks) set to black.
    public func crop(glyph index: Int, margin: Int) -> (raster: Raster, rect: PixelRect) {
        let image = page, width = page.width
        let glyph = glyphs[index]
        let x0 = max(0, glyph.box.x - margin), y0 = max(0, glyph.box.y - margin)
        let x1 = min(image.width, glyph.box.x + glyph.box.width + margin)
        let y1 = min(image.height, glyph.box.y + glyph.box.height + margin)
        let rect = PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
        var out = image.cropped(to: rect)
        let own = Set(glyph.components)
        for y in 0..<rect.height {
            for x in 0..<rect.width {
                let label = labels[(y0 + y) * width + x0 + x]
                if label != 0 && !own.contains(label) { out.pixels[y * rect.width + x] = 0 }
            }
        }
        return (out, rect)
    }
}

/// Finds the letters of a page: 8-connected ink components, merged where they belong to one
/// letter (the dot of an i or j, a broken stroke: boxes overlapping across and close in the
/// other direction, never growing past 1.5 letter heights), specks and non-letters (lines,
/// grids, a desk at the edge) left out, then ordered into lines and words.
struct PageSegmenter {
    var level: Float
    var minArea: Int
    var maxGlyphs: Int
    /// Largest vertical gap merged (dot of an i), as a fraction of the letter height.
    var join: Double
    /// Smallest word gap, as a fraction of the letter height.
    var wordGap: Double
    var ignoreBorder: Bool
    /// Erase box grids, ruling and underlines first (`FrameLines`).
    var removeFrames = true

    func segment(_ original: Raster) -> PageSegmentation {
        var image = original
        var boxed = false
        var (labels, components) = Self.label(image, level: level)
        if removeFrames {
            // Printed lines are often fainter than the ink, pencil letters fainter than printed
            // lines: both are traced at half the ink level, the letter height too.
            let faint = Self.label(image, level: level / 2).components
            let estimate = Self.letterHeight(faint.filter { $0.area >= minArea })
            let erased = FrameLines.erase(image, level: level / 2, letterHeight: estimate)
            boxed = erased.vertical >= 2
            if erased.horizontal + erased.vertical > 0 {
                image = Self.releveled(erased.image, floor: level / 3)
                (labels, components) = Self.label(image, level: level)
            }
        }
        // Pieces down to a quarter of min_area may still be the dot of an i; alone they go (below).
        var kept = components.indices.filter { components[$0].area >= max(1, minArea / 4) }
        if ignoreBorder {
            kept = kept.filter { !components[$0].touchesEdge(width: image.width, height: image.height) }
        }
        if kept.count > 20 * maxGlyphs {  // a brick wall, a page of dust: bound the work of merging
            kept = Array(kept.sorted { (components[$0].area, -$0) > (components[$1].area, -$1) }.prefix(20 * maxGlyphs)).sorted()
        }
        let height = Self.letterHeight(kept.map { components[$0] })
        var groups = merged(kept.map { Group(components[$0], label: Int32($0 + 1)) }, height: height)
        groups = groups.filter { group in
            guard group.area >= minArea else { return false }
            let speck = Double(max(group.width, group.height)) < 0.25 * height
            let huge = Double(group.height) > 3 * height || Double(group.width) > 8 * height
            return !speck && !huge
        }
        let found = groups.count
        if groups.count > maxGlyphs {
            groups = Array(groups.sorted { ($0.area, -$0.minY, -$0.minX) > ($1.area, -$1.minY, -$1.minX) }.prefix(maxGlyphs))
        }
        let glyphs = ReadingOrder(height: height, wordGap: wordGap, boxed: boxed).order(groups)
        return PageSegmentation(glyphs: glyphs, found: found, letterHeight: height, labels: labels, page: image)
    }

    /// The page with its remaining ink brought back to full strength: when the erased lines
    /// were the darkest ink (a printed form filled in pencil), `normalize` had scaled the
    /// letters to their level, often under the ink threshold. The 99.5th percentile of the
    /// pixels above `floor` becomes 255, with a gain of at most 3 (noise stays noise); the
    /// page is unchanged when that percentile is already near full strength or too few
    /// pixels are left.
    static func releveled(_ image: Raster, floor: Float) -> Raster {
        var histogram = [Int](repeating: 0, count: 256)
        var count = 0
        for value in image.pixels where value > floor {
            histogram[Int(min(255, value))] += 1
            count += 1
        }
        guard count >= 64 else { return image }
        var above = 0
        var peak = 255
        while peak > 0 {
            above += histogram[peak]
            if above * 200 >= count { break }
            peak -= 1
        }
        let gain = min(3, 255 / Float(max(1, peak)))
        guard gain > 1.1 else { return image }
        var output = image
        output.pixels = image.pixels.map { min(255, $0 * gain) }
        return output
    }

    /// The letter height: the median height of components at least 0.4 × the 75th percentile
    /// height (dots, specks and fragments are smaller), thin bars left out. 1 when there is no ink.
    static func letterHeight(_ components: [Group]) -> Double {
        // Thin bars (box edges, an l) would pull the estimate: only groups of some width count.
        let shaped = components.filter { 5 * $0.width >= $0.height && 5 * $0.height >= $0.width }
        let heights = (shaped.isEmpty ? components : shaped).map(\.height).sorted()
        guard !heights.isEmpty else { return 1 }
        let q = heights[min(heights.count - 1, heights.count * 3 / 4)]
        let tall = heights.filter { Double($0) >= 0.4 * Double(q) }
        return Double(max(1, tall[tall.count / 2]))
    }

    /// Merges groups that belong to one letter, closest pairs first, until nothing changes.
    func merged(_ start: [Group], height: Double) -> [Group] {
        var groups = start
        var changed = true
        var rounds = 0
        while changed && rounds < 4 {
            changed = false
            rounds += 1
            groups.sort { ($0.minX, $0.minY) < ($1.minX, $1.minY) }
            var candidates: [(gap: Int, a: Int, b: Int)] = []
            let reach = Int(0.5 * height) + 1
            for a in groups.indices {
                for b in (a + 1)..<groups.count {
                    if groups[b].minX > groups[a].maxX + reach { break }
                    if let gap = belong(groups[a], groups[b], height: height) { candidates.append((gap, a, b)) }
                }
            }
            guard !candidates.isEmpty else { break }
            candidates.sort { ($0.gap, $0.a, $0.b) < ($1.gap, $1.a, $1.b) }
            var absorbed = [Int?](repeating: nil, count: groups.count)
            func root(_ i: Int) -> Int { var r = i; while let next = absorbed[r] { r = next }; return r }
            for candidate in candidates {
                let a = root(candidate.a), b = root(candidate.b)
                guard a != b, belong(groups[a], groups[b], height: height) != nil else { continue }
                groups[a].absorb(groups[b])
                absorbed[b] = a
                changed = true
            }
            groups = groups.indices.filter { absorbed[$0] == nil }.map { groups[$0] }
        }
        return groups
    }

    /// The gap between `a` and `b` when they look like parts of one letter, else nil: the union
    /// at most 1.5 letter heights tall and wide, and either boxes overlapping across by half
    /// the narrower one with a vertical gap up to `join` × height (an i's dot, a broken stroke),
    /// a dot (under 0.4 letter heights) as far above or below with its centre within a quarter
    /// letter height of the other's sides, or overlapping vertically by half the shorter one with
    /// a horizontal gap up to 0.06 × height (a stroke broken across), or one box mostly inside
    /// the other.
    func belong(_ a: Group, _ b: Group, height: Double) -> Int? {
        let unionWidth = max(a.maxX, b.maxX) - min(a.minX, b.minX) + 1
        let unionHeight = max(a.maxY, b.maxY) - min(a.minY, b.minY) + 1
        guard Double(unionHeight) <= 1.5 * height, Double(unionWidth) <= 1.5 * height else { return nil }
        let overlapX = min(a.maxX, b.maxX) - max(a.minX, b.minX) + 1
        let overlapY = min(a.maxY, b.maxY) - max(a.minY, b.minY) + 1
        if overlapX > 0 && overlapY > 0 {
            let inside = overlapX * overlapY
            if Double(inside) >= 0.6 * Double(min(a.width * a.height, b.width * b.height)) { return 0 }
        }
        if Double(overlapX) >= 0.5 * Double(min(a.width, b.width)) && Double(-overlapY) <= join * height {
            return max(0, -overlapY)
        }
        // A dot (under 0.4 letter heights) above or below a letter, its centre within a quarter
        // letter height of the letter's sides (a slanted hand puts it off the stem).
        let (small, large) = a.width * a.height <= b.width * b.height ? (a, b) : (b, a)
        if Double(max(small.width, small.height)) <= 0.4 * height && Double(-overlapY) <= join * height
            && small.centerX >= Double(large.minX) - 0.25 * height && small.centerX <= Double(large.maxX) + 0.25 * height {
            return max(0, -overlapY) + Int(0.1 * height)
        }
        if Double(overlapY) >= 0.5 * Double(min(a.height, b.height)) && Double(-overlapX) <= 0.06 * height {
            return max(0, -overlapX)
        }
        return nil
    }

    /// How many letters stand side by side among ink groups with these boxes (one image meant
    /// to hold one letter): the groups merged as on a page, with the tallest as the letter
    /// height, then those at least half that tall and a sixth of the largest's area, counted
    /// left to right where each starts at least 0.15 letter heights after the previous ends; a
    /// group at least 2.5 × wider than tall (a cursive word, a row of form boxes) counts 2.
    /// A letter in several pieces stays 1; three letters in a row give 3.
    static func separateLetters(_ boxes: [PixelRect]) -> Int {
        let groups = boxes.map { box -> Group in
            var group = Group(label: 0)
            group.add(x: box.x, y: box.y)
            group.add(x: box.x + box.width - 1, y: box.y + box.height - 1)
            group.area = box.width * box.height
            return group
        }
        guard let height = groups.map(\.height).max(), groups.count > 1 else { return groups.count }
        let segmenter = PageSegmenter(level: 0, minArea: 1, maxGlyphs: Int.max, join: 0.45, wordGap: 0.8, ignoreBorder: false)
        let merged = segmenter.merged(groups, height: Double(height))
        let largest = merged.map(\.area).max() ?? 0
        let letters = merged.filter { 2 * $0.height >= height && 6 * $0.area >= largest }.sorted { $0.minX < $1.minX }
        var count = 0
        var end: Int?
        for letter in letters {
            if 2 * letter.width >= 5 * letter.height {
                count += 2  // a word in one piece (cursive), or a row of boxes: several letters
                continue
            }
            guard end.map({ Double(letter.minX - $0) >= 0.15 * Double(height) }) ?? true else { continue }
            count += 1
            end = letter.maxX
        }
        return max(1, count)
    }

    /// Labels 8-connected components of pixels above `level`.
    static func label(_ image: Raster, level: Float) -> (labels: [Int32], components: [Group]) {
        let width = image.width, height = image.height
        var labels = [Int32](repeating: 0, count: width * height)
        var components: [Group] = []
        var stack: [Int] = []
        image.pixels.withUnsafeBufferPointer { pixels in
            labels.withUnsafeMutableBufferPointer { labels in
                for start in 0..<(width * height) where labels[start] == 0 && pixels[start] > level {
                    let label = Int32(components.count + 1)
                    var group = Group(label: label)
                    labels[start] = label
                    stack.append(start)
                    while let index = stack.popLast() {
                        let x = index % width, y = index / width
                        group.add(x: x, y: y)
                        for ny in max(0, y - 1)...min(height - 1, y + 1) {
                            for nx in max(0, x - 1)...min(width - 1, x + 1) {
                                let neighbour = ny * width + nx
                                if labels[neighbour] == 0 && pixels[neighbour] > level {
                                    labels[neighbour] = label
                                    stack.append(neighbour)
                                }
                            }
                        }
                    }
                    components.append(group)
                }
            }
        }
        return (labels, components)
    }
}

/// A group of ink components: its box, area and labels.
struct Group {
    var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
    var area = 0
    var labels: [Int32]

    init(label: Int32) { labels = [label] }

    init(_ component: Group, label: Int32) {
        self = component
        labels = [label]
    }

    var width: Int { maxX - minX + 1 }
    var height: Int { maxY - minY + 1 }
    var box: PixelRect { PixelRect(x: minX, y: minY, width: width, height: height) }
    var centerX: Double { Double(minX + maxX) / 2 }
    var centerY: Double { Double(minY + maxY) / 2 }

    mutating func add(x: Int, y: Int) {
        area += 1
        minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
    }

    mutating func absorb(_ other: Group) {
        area += other.area
        minX = min(minX, other.minX); maxX = max(maxX, other.maxX)
        minY = min(minY, other.minY); maxY = max(maxY, other.maxY)
        labels += other.labels
    }

    func touchesEdge(width: Int, height: Int) -> Bool {
        minX == 0 || minY == 0 || maxX == width - 1 || maxY == height - 1
    }
}
