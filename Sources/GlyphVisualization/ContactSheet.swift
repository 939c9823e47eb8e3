import Foundation
import GlyphImaging
import GlyphPipeline

/// A grid of the normalized images of a run, read back through its manifest: each enlarged
/// with nearest neighbour, with its prediction and confidence and its input's name; failed
/// files as labelled placeholders showing their error code.
public struct ContactSheet: Sendable {
    public var columns: Int
    /// Enlargement of the 28×28 images.
    public var scale: Int
    /// The line above the grid.
    public var title: String

    public init(columns: Int = 10, scale: Int = 4, title: String = "") {
        self.columns = max(1, columns)
        self.scale = max(1, scale)
        self.title = title
    }

    static let margin = 16, gap = 10, imageSide = 28

    var imageBox: Int { Self.imageSide * scale }
    var cellWidth: Int { max(imageBox, 96) }
    var cellHeight: Int { imageBox + 4 + TextStyle.heading.lineHeight + TextStyle.small.lineHeight }
    var headerHeight: Int { TextStyle.title.lineHeight + 8 }

    /// The grid for `count` images: columns and rows.
    public func grid(count: Int) -> (columns: Int, rows: Int) {
        let used = max(1, min(columns, count))
        return (used, max(1, (count + used - 1) / used))
    }

    /// The sheet's size in pixels for `count` images.
    public func size(count: Int) -> (width: Int, height: Int) {
        let (columns, rows) = grid(count: count)
        return (2 * Self.margin + columns * cellWidth + (columns - 1) * Self.gap,
                2 * Self.margin + headerHeight + rows * cellHeight + (rows - 1) * Self.gap)
    }

    /// The top-left corner of cell `index`.
    public func origin(ofCell index: Int, count: Int) -> (x: Int, y: Int) {
        let columns = grid(count: count).columns
        return (Self.margin + (index % columns) * (cellWidth + Self.gap),
                Self.margin + headerHeight + (index / columns) * (cellHeight + Self.gap))
    }

    /// The sheet of `records`, whose `output` paths are relative to `outputDirectory`.
    public func render(_ records: [ManifestRecord], outputDirectory: String) throws(VipsError) -> Canvas {
        let heading = title.isEmpty ? "\(records.count) image\(records.count == 1 ? "" : "s")" : title
        let (gridWidth, height) = size(count: records.count)
        let width = max(gridWidth, 2 * Self.margin + (try TextRenderer.render(heading, style: .title).width))
        var canvas = Canvas(width: width, height: height, background: .background)
        try canvas.text(heading, x: Self.margin, y: Self.margin, style: .title, maxWidth: width - 2 * Self.margin)
        if records.isEmpty {
            try canvas.text("no files match", x: Self.margin, y: Self.margin + headerHeight, style: .body, color: .muted)
        }
        for (index, record) in records.enumerated() {
            let (x, y) = origin(ofCell: index, count: records.count)
            try drawCell(record, x: x, y: y, outputDirectory: outputDirectory, on: &canvas)
        }
        return canvas
    }

    func drawCell(_ record: ManifestRecord, x: Int, y: Int, outputDirectory: String, on canvas: inout Canvas) throws(VipsError) {
        let box = PixelRect(x: x + (cellWidth - imageBox) / 2, y: y, width: imageBox, height: imageBox)
        var image: Raster?
        if record.status == .ok, let output = record.output,
           let data = FileManager.default.contents(atPath: outputDirectory + "/" + output) {
            image = try? DisplayImage.load([UInt8](data))
        }
        if let image {
            let fitted = DisplayImage.nearest(image, width: min(imageBox, image.width * scale), height: min(imageBox, image.height * scale))
            canvas.fill(box, RGB(0, 0, 0))
            canvas.draw(fitted, x: box.x + (box.width - fitted.width) / 2, y: box.y + (box.height - fitted.height) / 2)
        } else {
            canvas.fill(box, .errorFill)
            canvas.stroke(box, .error, thickness: 2)
            let code = record.error?.code.rawValue ?? (record.status == .ok ? "missing output" : "error")
            try canvas.text("✕", x: box.x + 6, y: box.y + 4, style: .heading, color: .error)
            var lineY = box.y + 4 + TextStyle.heading.lineHeight
            for part in code.split(separator: "_", omittingEmptySubsequences: true).map(String.init) {
                guard lineY + TextStyle.body.lineHeight < box.y + box.height else { break }
                try canvas.text(part, x: box.x + 6, y: lineY, style: .body, color: .error, maxWidth: box.width - 12)
                lineY += TextStyle.body.lineHeight
            }
        }
        let textY = y + imageBox + 4
        if record.status == .error {
            try canvas.text("error", x: x, y: textY, style: .heading, color: .error, maxWidth: cellWidth)
        } else if let prediction = record.prediction {
            let drawn = try canvas.text(prediction, x: x, y: textY, style: .heading, maxWidth: cellWidth / 2)
            if let confidence = record.confidence {
                try canvas.text(String(format: "%.0f%%", Double(confidence) * 100), x: x + drawn + 6, y: textY + 1,
                                style: .body, color: confidence < 0.5 ? .error : .muted, maxWidth: cellWidth - drawn - 6)
            }
        } else {
            try canvas.text("ok", x: x, y: textY, style: .body, color: .muted, maxWidth: cellWidth)
        }
        try canvas.text(record.input, x: x, y: textY + TextStyle.heading.lineHeight, style: .small, color: .muted,
                        maxWidth: cellWidth)
    }
}
