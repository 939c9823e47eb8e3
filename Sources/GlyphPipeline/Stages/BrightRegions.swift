import GlyphImaging

/// Flood fill over 8-connected pixels brighter than a level in a one-channel raster: the
/// groups `crop_to_bbox` measures and the edge-touching regions `normalize` leaves out.
struct BrightRegions {
    let image: Raster
    let level: Float
    /// Pixels already reached by a fill.
    private(set) var visited: [Bool]
    private var stack: [Int] = []

    init(_ image: Raster, above level: Float) {
        self.image = image
        self.level = level
        visited = [Bool](repeating: false, count: image.width * image.height)
    }

    /// Whether `index` is bright and not yet reached.
    func isUnvisitedBright(_ index: Int) -> Bool {
        !visited[index] && image.pixels[index] > level
    }

    /// Visits every pixel of the group containing `start` that no fill has reached yet, calling
    /// `body` with each pixel's (x, y); nothing when `start` is dark or already visited.
    mutating func fill(from start: Int, _ body: (_ x: Int, _ y: Int) -> Void) {
        let width = image.width, height = image.height
        image.pixels.withUnsafeBufferPointer { pixels in
            guard !visited[start] && pixels[start] > level else { return }
            visited[start] = true
            stack.append(start)
            while let index = stack.popLast() {
                let x = index % width, y = index / width
                body(x, y)
                for ny in max(0, y - 1)...min(height - 1, y + 1) {
                    for nx in max(0, x - 1)...min(width - 1, x + 1) {
                        let neighbour = ny * width + nx
                        if !visited[neighbour] && pixels[neighbour] > level {
                            visited[neighbour] = true
                            stack.append(neighbour)
                        }
                    }
                }
            }
        }
    }
}
