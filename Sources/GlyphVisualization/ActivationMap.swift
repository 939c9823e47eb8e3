import GlyphImaging
import GlyphModel

/// Draws one layer's activations as viridis heat maps: a vector as the next larger square of
/// cells (unused cells hatched grey), a C×H×W tensor as a grid of C small maps. Values are
/// scaled from the layer's minimum (darkest) to its maximum (yellow).
public enum ActivationMap {
    /// The side of the smallest square holding `count` cells, e.g. 26 → 6.
    public static func squareSide(for count: Int) -> Int {
        guard count > 0 else { return 0 }
        var side = Int(Double(count).squareRoot())
        while side * side < count { side += 1 }
        while side > 1 && (side - 1) * (side - 1) >= count { side -= 1 }
        return side
    }

    /// How a layer's shape is shown.
    public enum Layout: Equatable, Sendable {
        /// `count` values in a `side`×`side` square, row by row.
        case vector(count: Int, side: Int)
        /// `channels` maps of `height`×`width`, in a grid `columns` wide.
        case maps(channels: Int, height: Int, width: Int, columns: Int)
    }

    /// The layout for a shape; leading 1s (batch) are ignored.
    public static func layout(for shape: [Int], count: Int) -> Layout {
        var dims = shape
        while dims.count > 1, dims.first == 1 { dims.removeFirst() }
        let product = dims.reduce(1, *)
        guard product == count, dims.count >= 2, dims.allSatisfy({ $0 > 0 }) else {
            return .vector(count: count, side: squareSide(for: count))
        }
        if dims.count == 2 { return .maps(channels: 1, height: dims[0], width: dims[1], columns: 1) }
        let channels = dims[0], height = dims[1], width = dims[2...].reduce(1, *)
        return .maps(channels: channels, height: height, width: width, columns: squareSide(for: channels))
    }

    /// Draws the heat map in about `target`×`target` pixels (at least 2 px a value).
    /// `highlight` (a value index, vectors only) gets a red outline: the winning class.
    public static func render(_ layer: LayerActivation, target: Int, highlight: Int? = nil) -> Canvas {
        let values = layer.values
        let finite = values.filter(\.isFinite)
        let low = finite.min() ?? 0, high = finite.max() ?? 0
        func color(_ value: Float) -> RGB {
            guard value.isFinite else { return .unused }
            return Viridis.color(high > low ? (value - low) / (high - low) : 0.5)
        }
        switch layout(for: layer.shape, count: values.count) {
        case let .vector(count, side):
            guard side > 0 else { return Canvas(width: 0, height: 0) }
            let cell = max(2, target / side)
            var canvas = Canvas(width: side * cell, height: side * cell)
            for index in 0..<(side * side) {
                let rect = PixelRect(x: (index % side) * cell, y: (index / side) * cell, width: cell, height: cell)
                if index < count {
                    canvas.fill(rect, color(values[index]))
                } else {
                    canvas.hatch(rect, background: .unused, line: .unusedHatch, spacing: 3)
                }
            }
            if let highlight, highlight >= 0, highlight < count {
                let rect = PixelRect(x: (highlight % side) * cell, y: (highlight / side) * cell, width: cell, height: cell)
                canvas.stroke(rect, .highlight, thickness: max(1, cell / 6))
            }
            return canvas
        case let .maps(channels, height, width, columns):
            let rows = (channels + columns - 1) / columns
            let gap = 2
            let scale = max(1, (target - gap * (columns - 1)) / max(1, columns * max(height, width)))
            let mapWidth = width * scale, mapHeight = height * scale
            var canvas = Canvas(width: columns * mapWidth + (columns - 1) * gap,
                                height: rows * mapHeight + (rows - 1) * gap, background: .frame)
            for slot in 0..<(columns * rows) {
                let ox = (slot % columns) * (mapWidth + gap), oy = (slot / columns) * (mapHeight + gap)
                guard slot < channels else {
                    canvas.hatch(PixelRect(x: ox, y: oy, width: mapWidth, height: mapHeight),
                                 background: .unused, line: .unusedHatch, spacing: 3)
                    continue
                }
                for y in 0..<height {
                    for x in 0..<width {
                        let value = values[(slot * height + y) * width + x]
                        canvas.fill(PixelRect(x: ox + x * scale, y: oy + y * scale, width: scale, height: scale), color(value))
                    }
                }
            }
            return canvas
        }
    }

    /// "8×26×26"
    static func shapeText(_ shape: [Int]) -> String {
        shape.map(String.init).joined(separator: "×")
    }

    /// The index of the largest finite value.
    static func argmax(_ values: [Float]) -> Int? {
        var best: Int?
        for (index, value) in values.enumerated() where value.isFinite {
            if let current = best, values[current] >= value { continue }
            best = index
        }
        return best
    }
}
