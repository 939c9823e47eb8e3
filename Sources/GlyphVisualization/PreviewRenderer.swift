import Foundation
import GlyphImaging
import GlyphModel
import GlyphPipeline

/// One scan to preview: the name shown above its row and the file's bytes.
public struct PreviewInput: Sendable {
    public var name: String
    public var data: [UInt8]
    /// The page shown of a multi-page TIFF or PDF (0-based).
    public var page: Int

    public init(name: String, data: [UInt8], page: Int = 0) {
        self.name = name
        self.data = data
        self.page = page
    }

    /// One input per page of a file (one for any file of a single page), named
    /// `NAME (page K of N)` when there are several.
    public static func pages(name: String, data: [UInt8]) -> [PreviewInput] {
        let count = ImageDecoder.pageCount(FileBytes(data))
        guard count > 1 else { return [PreviewInput(name: name, data: data)] }
        return (0..<count).map { PreviewInput(name: "\(name) (page \($0 + 1) of \(count))", data: data, page: $0) }
    }

    /// `page` for the display loader: nil for page 0, so single-page formats load as usual.
    var displayPage: Int? { page == 0 ? nil : page }
}

/// Draws what a pipeline does to scans: one row per scan with the original, then every
/// stage's output labelled with the stage's name and key parameters, then the top-3
/// predictions when a classifier is given, and each layer's activations when an activation
/// source is given. Columns line up across rows so scans can be compared; a failed stage
/// shows a labelled error panel.
public struct PreviewRenderer: Sendable {
    public var pipeline: Pipeline
    public var classifier: (any Classifying)?
    public var activationSource: (any ActivationSource)?
    /// The height every image panel is scaled to.
    public var panelHeight: Int

    public init(pipeline: Pipeline, classifier: (any Classifying)? = nil,
                activationSource: (any ActivationSource)? = nil, panelHeight: Int = 112) {
        self.pipeline = pipeline
        self.classifier = classifier
        self.activationSource = activationSource
        self.panelHeight = max(16, panelHeight)
    }

    enum Content {
        case image(Raster)
        case error(code: String, message: String)
        case notRun
    }

    struct Panel {
        var title: String
        var subtitle: String
        var content: Content
        var failed: Bool { if case .error = content { true } else { false } }
    }

    struct LayerPanel {
        var title: String
        var subtitle: String
        var map: Canvas
    }

    struct Row {
        var name: String
        var panels: [Panel]
        var final: Raster?
        var guesses: [ManifestRecord.Guess]?
        var predictionNote: String?
        var layers: [LayerPanel] = []
        var layerError: String?
    }

    static let margin = 16, gap = 12, captionGap = 6, rowGap = 22, predictionWidth = 230

    /// The preview of `inputs`, one row each, in order.
    public func render(_ inputs: [PreviewInput]) throws(VipsError) -> Canvas {
        try renderWithLayout(inputs).canvas
    }

    /// The preview and, per row, where each stage panel's image area was drawn.
    func renderWithLayout(_ inputs: [PreviewInput]) throws(VipsError) -> (canvas: Canvas, panels: [[PixelRect]]) {
        var rows = inputs.map(makeRow)
        classify(&rows)
        if let activationSource {
            for index in rows.indices {
                guard let image = rows[index].final else { continue }
                do {
                    rows[index].layers = layerPanels(try activationSource.activations(for: image))
                } catch {
                    rows[index].layerError = "\(error)"
                }
            }
        }
        return try draw(rows)
    }

    /// The column titles: the original, then decode and each stage.
    var stageColumns: [(name: String, label: String)] {
        [("original", "file"), (DecodeStage.name, pipeline.configuration.decode.label)]
            + pipeline.stages.map { (type(of: $0).name, $0.label) }
    }

    func makeRow(_ input: PreviewInput) -> Row {
        let columns = stageColumns
        var panels: [Panel] = []
        let size = ByteCountFormatter.string(fromByteCount: Int64(input.data.count), countStyle: .file)
        do {
            let thumbnail = try DisplayImage.load(input.data, maxWidth: panelHeight * 3, maxHeight: panelHeight, page: input.displayPage)
            panels.append(Panel(title: columns[0].name, subtitle: size, content: .image(thumbnail)))
        } catch {
            panels.append(Panel(title: columns[0].name, subtitle: size,
                                content: .error(code: "unreadable", message: error.message)))
        }
        var outputs: [Raster] = []
        var failure: StageFailure?
        var final: Raster?
        do {
            final = try pipeline.reading(page: input.page).process(input.data) { _, _, image in outputs.append(image) }.image
        } catch {
            failure = error
        }
        for (index, column) in columns.dropFirst().enumerated() {
            let content: Content
            if index < outputs.count {
                content = .image(outputs[index])
            } else if index == outputs.count, let failure {
                content = .error(code: failure.code.rawValue, message: failure.message)
            } else {
                content = .notRun
            }
            panels.append(Panel(title: column.name, subtitle: column.label, content: content))
        }
        return Row(name: input.name, panels: panels, final: final)
    }

    func classify(_ rows: inout [Row]) {
        guard let classifier else { return }
        let indices = rows.indices.filter { rows[$0].final != nil }
        let images = indices.compactMap { rows[$0].final }
        guard !images.isEmpty else { return }
        do {
            let guesses = try classifier.classify(images)
            for (index, top) in zip(indices, guesses) { rows[index].guesses = Array(top.prefix(3)) }
        } catch {
            for index in indices { rows[index].predictionNote = "classify_error: \(error)" }
        }
    }

    func layerPanels(_ layers: [LayerActivation]) -> [LayerPanel] {
        layers.enumerated().map { index, layer in
            let isOutput = index == layers.count - 1
            let winner = isOutput ? ActivationMap.argmax(layer.values) : nil
            var subtitle = ActivationMap.shapeText(layer.shape)
            if let winner {
                let labels = classifier?.labels ?? []
                let name = labels.count == layer.values.count ? labels[winner] : "#\(winner)"
                subtitle += String(format: " · winner %@ (%.2f)", name, Double(layer.values[winner]))
            }
            return LayerPanel(title: layer.name, subtitle: subtitle,
                              map: ActivationMap.render(layer, target: panelHeight, highlight: winner))
        }
    }

    // MARK: Layout and drawing

    var captionHeight: Int { TextStyle.heading.lineHeight + TextStyle.body.lineHeight }
    var titleHeight: Int { TextStyle.title.lineHeight + 4 }

    func draw(_ rows: [Row]) throws(VipsError) -> (canvas: Canvas, panels: [[PixelRect]]) {
        var scaled: [[Raster?]] = []
        for row in rows {
            var line: [Raster?] = []
            for panel in row.panels {
                if case let .image(image) = panel.content {
                    line.append(try DisplayImage.fit(image, height: panelHeight, maxWidth: panelHeight * 3))
                } else {
                    line.append(nil)
                }
            }
            scaled.append(line)
        }
        let columnCount = stageColumns.count
        var columnWidths = [Int](repeating: panelHeight, count: columnCount)
        for (rowIndex, line) in scaled.enumerated() {
            for (index, image) in line.enumerated() where index < columnCount {
                // Text may be cut at twice the panel height; an image (up to three times as wide
                // as high) never is, so a wide scan does not run into the next panel.
                let panel = rows[rowIndex].panels[index]
                var text = max(try TextRenderer.render(panel.subtitle, style: .body).width,
                               try TextRenderer.render(panel.title, style: .heading).width)
                if case let .error(code, _) = panel.content {
                    text = max(text, try TextRenderer.render("✕ " + code, style: .heading).width + 12)
                }
                columnWidths[index] = max(columnWidths[index], image?.width ?? 0, min(text, 2 * panelHeight))
            }
        }
        let stagesWidth = columnWidths.reduce(0, +) + Self.gap * (columnCount - 1)
            + (classifier == nil ? 0 : Self.gap + Self.predictionWidth)
        let layerBandHeights = rows.map { row -> Int in
            guard activationSource != nil else { return 0 }
            let maps = row.layers.map(\.map.height).max() ?? panelHeight / 2
            return Self.gap + max(maps, TextStyle.body.lineHeight) + Self.captionGap + captionHeight
        }
        let layerBandWidths = rows.map { row in
            row.layers.map { max($0.map.width, panelHeight) }.reduce(0, +) + Self.gap * max(0, row.layers.count - 1)
        }
        let stageRowHeight = titleHeight + panelHeight + Self.captionGap + captionHeight
        let width = 2 * Self.margin + max(stagesWidth, layerBandWidths.max() ?? 0)
        let height = 2 * Self.margin + rows.count * stageRowHeight + layerBandHeights.reduce(0, +)
            + Self.rowGap * max(0, rows.count - 1)
        var canvas = Canvas(width: width, height: max(height, 2 * Self.margin), background: .background)

        var y = Self.margin
        var panelRects: [[PixelRect]] = []
        for (rowIndex, row) in rows.enumerated() {
            if rowIndex > 0 {
                canvas.fill(PixelRect(x: Self.margin, y: y - Self.rowGap / 2, width: width - 2 * Self.margin, height: 1), .frame)
            }
            try canvas.text(row.name, x: Self.margin, y: y, style: .title, maxWidth: width - 2 * Self.margin)
            let top = y + titleHeight
            var x = Self.margin
            panelRects.append([])
            for (index, panel) in row.panels.enumerated() where index < columnCount {
                let area = PixelRect(x: x, y: top, width: columnWidths[index], height: panelHeight)
                panelRects[rowIndex].append(area)
                try drawPanel(panel, image: scaled[rowIndex][index], in: area, on: &canvas)
                x += columnWidths[index] + Self.gap
            }
            if classifier != nil {
                try drawPredictions(row, in: PixelRect(x: x, y: top, width: Self.predictionWidth, height: panelHeight), on: &canvas)
            }
            y = top + panelHeight + Self.captionGap + captionHeight
            if activationSource != nil {
                y += Self.gap
                try drawLayers(row, y: y, height: layerBandHeights[rowIndex] - Self.gap, on: &canvas)
                y += layerBandHeights[rowIndex] - Self.gap
            }
            y += Self.rowGap
        }
        return (canvas, panelRects)
    }

    func drawPanel(_ panel: Panel, image: Raster?, in area: PixelRect, on canvas: inout Canvas) throws(VipsError) {
        switch panel.content {
        case .image:
            if let image {
                let x = area.x + (area.width - image.width) / 2, y = area.y + (area.height - image.height) / 2
                canvas.stroke(PixelRect(x: x - 1, y: y - 1, width: image.width + 2, height: image.height + 2), .frame)
                canvas.draw(image, x: x, y: y)
            }
        case let .error(code, message):
            canvas.fill(area, .errorFill)
            canvas.stroke(area, .error, thickness: 2)
            try canvas.text("✕ " + code, x: area.x + 6, y: area.y + 6, style: .heading, color: .error, maxWidth: area.width - 12)
            let lines = Self.wrap(message, width: area.width - 12, style: .small)
            var lineY = area.y + 6 + TextStyle.heading.lineHeight
            for line in lines where lineY + TextStyle.small.lineHeight <= area.y + area.height - 4 {
                try canvas.text(line, x: area.x + 6, y: lineY, style: .small, color: .ink, maxWidth: area.width - 12)
                lineY += TextStyle.small.lineHeight
            }
        case .notRun:
            canvas.hatch(area, background: RGB(236, 236, 232), line: RGB(214, 214, 208), spacing: 6)
            try canvas.text("not run", x: area.x + 6, y: area.y + 6, style: .small, color: .muted, maxWidth: area.width - 12)
        }
        let captionY = area.y + area.height + Self.captionGap
        try canvas.text(panel.title, x: area.x, y: captionY, style: .heading, color: panel.failed ? .error : .ink,
                        maxWidth: area.width)
        try canvas.text(panel.subtitle, x: area.x, y: captionY + TextStyle.heading.lineHeight, style: .body,
                        color: .muted, maxWidth: area.width)
    }

    func drawPredictions(_ row: Row, in area: PixelRect, on canvas: inout Canvas) throws(VipsError) {
        try canvas.text("top 3", x: area.x, y: area.y, style: .heading)
        guard let guesses = row.guesses, !guesses.isEmpty else {
            let note = row.predictionNote ?? "no prediction"
            var lineY = area.y + TextStyle.heading.lineHeight + 4
            for line in Self.wrap(note, width: area.width, style: .small).prefix(4) {
                try canvas.text(line, x: area.x, y: lineY, style: .small, color: row.predictionNote == nil ? .muted : .error,
                                maxWidth: area.width)
                lineY += TextStyle.small.lineHeight
            }
            return
        }
        let labelWidth = 44, percentWidth = 56
        let barMax = area.width - labelWidth - percentWidth
        var lineY = area.y + TextStyle.heading.lineHeight + 6
        for (rank, guess) in guesses.enumerated() {
            try canvas.text(guess.label, x: area.x, y: lineY, style: .heading, maxWidth: labelWidth - 4)
            let p = guess.probability.isFinite ? min(1, max(0, guess.probability)) : 0
            let barHeight = TextStyle.heading.lineHeight - 6
            canvas.fill(PixelRect(x: area.x + labelWidth, y: lineY + 3, width: barMax, height: barHeight), RGB(228, 228, 224))
            canvas.fill(PixelRect(x: area.x + labelWidth, y: lineY + 3, width: Int((Float(barMax) * p).rounded()), height: barHeight),
                        rank == 0 ? .bar : .barMuted)
            try canvas.text(String(format: "%.1f%%", Double(p) * 100), x: area.x + labelWidth + barMax + 6, y: lineY,
                            style: .body, color: .muted, maxWidth: percentWidth - 6)
            lineY += TextStyle.heading.lineHeight + 8
        }
    }

    func drawLayers(_ row: Row, y: Int, height: Int, on canvas: inout Canvas) throws(VipsError) {
        if let error = row.layerError {
            try canvas.text("activations: \(error)", x: Self.margin, y: y, style: .body, color: .error,
                            maxWidth: canvas.width - 2 * Self.margin)
            return
        }
        if row.final == nil {
            try canvas.text("activations: no normalized image", x: Self.margin, y: y, style: .body, color: .muted)
            return
        }
        let mapsHeight = height - Self.captionGap - captionHeight
        var x = Self.margin
        for layer in row.layers {
            let columnWidth = max(layer.map.width, panelHeight)
            let mapX = x + (columnWidth - layer.map.width) / 2
            let mapY = y + mapsHeight - layer.map.height
            canvas.draw(layer.map, x: mapX, y: mapY)
            let captionY = y + mapsHeight + Self.captionGap
            try canvas.text(layer.title, x: x, y: captionY, style: .heading, maxWidth: columnWidth)
            try canvas.text(layer.subtitle, x: x, y: captionY + TextStyle.heading.lineHeight, style: .body,
                            color: .muted, maxWidth: columnWidth)
            x += columnWidth + Self.gap
        }
    }

    /// Greedy word wrap by an estimate of the style's character width.
    static func wrap(_ text: String, width: Int, style: TextStyle) -> [String] {
        let perLine = max(4, width * 10 / max(1, style.size * 6))
        var lines: [String] = []
        var current = ""
        for word in text.split(whereSeparator: \.isWhitespace) {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= perLine {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
