import GlyphImaging
import GlyphTraining
import Foundation

extension Evaluation {
    /// The confusion matrix drawn as a grid: rows true labels, columns predictions, each cell
    /// coloured by its share of the row (viridis) and showing its count.
    public func confusionCanvas(cell: Int = 24) throws -> Canvas {
        let counts = matrix
        let n = classes.count
        let margin = 56, top = 64
        let width = margin + n * cell + 16, height = top + n * cell + 40
        var canvas = Canvas(width: max(width, 320), height: height, background: .white)
        try canvas.text(String(format: "Confusion matrix — accuracy %.2f %% (%d files)", 100 * accuracy, total),
                        x: 8, y: 6, style: .title)
        try canvas.text("columns: predicted", x: margin + 80, y: 26, style: .small, color: .muted)
        try canvas.text("rows: true", x: 8, y: 26, style: .small, color: .muted)
        for (i, label) in classes.enumerated() {
            let offset = i * cell + cell / 2 - 4
            try canvas.text(label, x: margin + offset, y: top - 20, style: .heading)
            try canvas.text(label, x: margin - 20, y: top + i * cell + cell / 2 - 9, style: .heading)
        }
        for row in 0..<n {
            let total = counts[row].reduce(0, +)
            for column in 0..<n {
                let rect = PixelRect(x: margin + column * cell, y: top + row * cell, width: cell, height: cell)
                let count = counts[row][column]
                guard count > 0 else {
                    canvas.fill(rect, row == column ? RGB(232, 232, 228) : .white)
                    continue
                }
                let share = Float(count) / Float(max(total, 1))
                let color = Viridis.color(share)
                canvas.fill(rect, color)
                let luma = 0.299 * Double(color.r) + 0.587 * Double(color.g) + 0.114 * Double(color.b)
                try canvas.text(String(count), x: rect.x + 2, y: rect.y + cell / 2 - 8, style: .small,
                                color: luma > 128 ? .ink : .white, maxWidth: cell - 3)
            }
        }
        for i in 0...n {
            canvas.fill(PixelRect(x: margin + i * cell, y: top, width: 1, height: n * cell), .frame)
            canvas.fill(PixelRect(x: margin, y: top + i * cell, width: n * cell, height: 1), .frame)
        }
        try canvas.text("cell colour: share of the row (viridis); diagonal = correct", x: 8, y: top + n * cell + 12,
                        style: .small, color: .muted)
        return canvas
    }
}
