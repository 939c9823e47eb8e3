/// Turns a binary glyph image into pen strokes: Zhang–Suen thinning to a one-pixel skeleton,
/// then tracing the skeleton into polylines, so an outline font's letters can be drawn with
/// any pen like a writer's strokes.
enum Skeleton {
    /// Thins `mask` (row-major, `true` = ink) in place to an 8-connected skeleton one pixel wide
    /// (Zhang & Suen 1984). Pixels on the image border are treated as background.
    static func thin(_ mask: inout [Bool], width: Int, height: Int) {
        guard width >= 3, height >= 3, mask.count == width * height else { return }
        for x in 0..<width { mask[x] = false; mask[(height - 1) * width + x] = false }
        for y in 0..<height { mask[y * width] = false; mask[y * width + width - 1] = false }
        var deletions: [Int] = []
        var changed = true
        while changed {
            changed = false
            for pass in 0..<2 {
                deletions.removeAll(keepingCapacity: true)
                for y in 1..<(height - 1) {
                    for x in 1..<(width - 1) where mask[y * width + x] {
                        // p2…p9 clockwise from north.
                        let i = y * width + x
                        let p = [mask[i - width], mask[i - width + 1], mask[i + 1], mask[i + width + 1],
                                 mask[i + width], mask[i + width - 1], mask[i - 1], mask[i - width - 1]]
                        let neighbours = p.reduce(0) { $0 + ($1 ? 1 : 0) }
                        guard (2...6).contains(neighbours) else { continue }
                        var transitions = 0
                        for k in 0..<8 where !p[k] && p[(k + 1) % 8] { transitions += 1 }
                        guard transitions == 1 else { continue }
                        let (north, east, south, west) = (p[0], p[2], p[4], p[6])
                        let removable = pass == 0
                            ? !(north && east && south) && !(east && south && west)
                            : !(north && east && west) && !(north && south && west)
                        if removable { deletions.append(i) }
                    }
                }
                for i in deletions { mask[i] = false }
                if !deletions.isEmpty { changed = true }
            }
        }
    }

    /// Traces a one-pixel skeleton into polylines of pixel positions (x, y). Every skeleton
    /// pixel lies on some polyline; a branch that starts or ends next to an already traced
    /// pixel is joined to it, so drawn with a pen the strokes cover the skeleton without gaps.
    /// Branches shorter than `minimumSpur` pixels from a free end to a junction (thinning's
    /// corner spurs) are dropped first; isolated dots and strokes are kept.
    static func trace(_ skeleton: [Bool], width: Int, height: Int, minimumSpur: Int = 0) -> [[(x: Int, y: Int)]] {
        guard skeleton.count == width * height else { return [] }
        var skeleton = skeleton
        // Orthogonal neighbours first, so paths follow the skeleton rather than cut corners.
        let offsets = [(1, 0), (0, 1), (-1, 0), (0, -1), (1, 1), (-1, 1), (-1, -1), (1, -1)]
        func neighbours(_ i: Int) -> [Int] {
            let x = i % width, y = i / width
            var result: [Int] = []
            for (dx, dy) in offsets {
                let nx = x + dx, ny = y + dy
                if nx >= 0, ny >= 0, nx < width, ny < height, skeleton[ny * width + nx] { result.append(ny * width + nx) }
            }
            return result
        }
        if minimumSpur > 1 {
            var spurs: [Int] = []
            for end in skeleton.indices where skeleton[end] && neighbours(end).count == 1 {
                var branch = [end], current = end
                while branch.count < minimumSpur {
                    let onward = neighbours(current).filter { !branch.contains($0) }
                    guard onward.count == 1, let next = onward.first else { break }
                    if neighbours(next).count >= 3 { // reached a junction: a short spur
                        spurs += branch
                        break
                    }
                    branch.append(next)
                    current = next
                }
            }
            for i in spurs { skeleton[i] = false }
        }
        var pending = skeleton
        var remaining = skeleton.reduce(0) { $0 + ($1 ? 1 : 0) }
        var strokes: [[(x: Int, y: Int)]] = []
        while remaining > 0 {
            // Start at a free end or isolated pixel, else at the end of a leftover branch, else
            // anywhere (a closed loop).
            var start = -1, rank = Int.max
            for i in pending.indices where pending[i] {
                let all = neighbours(i)
                let open = all.filter { pending[$0] }.count
                let r = all.count <= 1 ? 0 : (open <= 1 ? 1 : 2)
                if r < rank { rank = r; start = i; if r == 0 { break } }
            }
            guard start >= 0 else { break }
            var path: [Int] = []
            let startJoin = neighbours(start).first { !pending[$0] }
            if let startJoin { path.append(startJoin) }
            var current = start
            pending[current] = false
            remaining -= 1
            path.append(current)
            while let next = neighbours(current).first(where: { pending[$0] }) {
                pending[next] = false
                remaining -= 1
                path.append(next)
                current = next
            }
            let recent = Set(path.suffix(3))
            if path.count > 1, let endJoin = neighbours(current).first(where: { !pending[$0] && !recent.contains($0) }) {
                path.append(endJoin)
            }
            strokes.append(path.map { (x: $0 % width, y: $0 / width) })
        }
        return strokes
    }
}
