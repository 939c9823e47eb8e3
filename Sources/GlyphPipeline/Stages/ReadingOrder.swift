/// Puts the glyphs of a page in reading order: lines top to bottom, left to right in a line,
/// and words where the gap is clearly wider than the letter gaps.
///
/// Lines are followed left to right, so a slightly tilted page or an uneven baseline keeps
/// each line together: glyphs are taken by their centre's x, and each joins the line whose
/// last glyphs' centres (the mean of up to three) are nearest in y, within 0.6 letter
/// heights; otherwise it starts a line. Lines are then ordered by their mean centre y.
///
/// A gap between neighbours in a line starts a word when it is at least `wordGap` letter
/// heights and at least 1.8 × the typical letter gap: the 30th percentile of the line's gaps
/// (of all the page's gaps for a line of fewer than four glyphs). On a form (`boxed`: box
/// edges were erased) the letters' spacing follows the boxes, not the hand: a word starts
/// after an empty box, where the step between centres is at least 1.6 × the line's median.
struct ReadingOrder {
    var height: Double
    var wordGap: Double
    /// The letters stand in the boxes of a form: words are split by empty boxes instead.
    var boxed = false

    func order(_ groups: [Group]) -> [SegmentedGlyph] {
        let lines = self.lines(groups)
        let lineGaps = lines.map { line in zip(line, line.dropFirst()).map { gap(groups[$0], groups[$1]) }.sorted() }
        let pageGap = Self.lowGap(lineGaps.flatMap { $0 }.sorted())
        var glyphs: [SegmentedGlyph] = []
        for (lineIndex, line) in lines.enumerated() {
            let letterGap = lineGaps[lineIndex].count >= 3 ? Self.lowGap(lineGaps[lineIndex]) : pageGap
            let breakGap = max(wordGap * height, 1.8 * Double(letterGap))
            let steps = zip(line, line.dropFirst()).map { groups[$1].centerX - groups[$0].centerX }.sorted()
            let pitch = steps.isEmpty ? 0 : steps[steps.count / 2]
            var word = 0
            for (position, index) in line.enumerated() {
                if position > 0 {
                    let previous = groups[line[position - 1]]
                    let isBreak = boxed ? steps.count >= 2 && groups[index].centerX - previous.centerX >= 1.6 * pitch
                        : Double(gap(previous, groups[index])) >= breakGap
                    if isBreak { word += 1 }
                }
                let group = groups[index]
                glyphs.append(SegmentedGlyph(box: group.box, line: lineIndex, word: word,
                                             wide: Double(group.width) > 1.8 * height, components: group.labels))
            }
        }
        return glyphs
    }

    /// The 30th percentile of sorted gaps (0 without any): the typical gap between letters.
    private static func lowGap(_ sorted: [Int]) -> Int {
        sorted.isEmpty ? 0 : sorted[Int(Double(sorted.count - 1) * 0.3)]
    }

    /// The horizontal gap from `a` to `b` (negative when they overlap).
    private func gap(_ a: Group, _ b: Group) -> Int { b.minX - a.maxX - 1 }

    /// Indices of `groups` by line (top to bottom), each left to right.
    func lines(_ groups: [Group]) -> [[Int]] {
        let byX = groups.indices.sorted {
            (groups[$0].centerX, groups[$0].centerY, $0) < (groups[$1].centerX, groups[$1].centerY, $1)
        }
        var lines: [[Int]] = []
        for index in byX {
            let y = groups[index].centerY
            var best: Int?
            var bestDistance = 0.6 * height
            for (number, line) in lines.enumerated() {
                let recent = line.suffix(3).map { groups[$0].centerY }
                let distance = abs(y - recent.reduce(0, +) / Double(recent.count))
                if distance <= bestDistance {
                    best = number
                    bestDistance = distance
                }
            }
            if let best { lines[best].append(index) } else { lines.append([index]) }
        }
        func meanY(_ line: [Int]) -> Double { line.map { groups[$0].centerY }.reduce(0, +) / Double(line.count) }
        return lines.map { ($0, meanY($0)) }.sorted { ($0.1, $0.0.first ?? 0) < ($1.1, $1.0.first ?? 0) }.map(\.0)
    }
}
