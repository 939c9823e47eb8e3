import Foundation

/// Predictions of a classified run compared with true labels: accuracy, per-class accuracy,
/// the most frequent confusions and a confusion-matrix image.
///
/// True labels come from a `file,label` map (matched by input path, then file name) or, without
/// one, from the name of each file's parent folder. Labelled files the pipeline failed on count
/// as wrong; files without a label are left out.
public struct Evaluation: Sendable {
    /// One labelled file.
    public struct Item: Sendable, Equatable {
        public var input: String
        public var truth: String
        /// nil when the pipeline failed on the file.
        public var prediction: String?
    }

    /// A (truth, prediction) pair that occurred `count` times with truth ≠ prediction.
    public struct Confusion: Sendable, Equatable {
        public var truth: String
        public var prediction: String
        public var count: Int
    }

    /// Accuracy of one true class.
    public struct ClassAccuracy: Sendable, Equatable {
        public var label: String
        public var correct: Int
        public var total: Int
        public var accuracy: Double { total > 0 ? Double(correct) / Double(total) : 0 }
    }

    public let items: [Item]
    /// Records without a true label.
    public let unlabelled: Int
    /// Matrix rows and columns: the model's classes, then any other label seen, in order.
    public let classes: [String]

    /// `labels` nil takes each file's parent folder name. `classes` (e.g. the model's labels)
    /// fixes the matrix order; labels outside it are appended sorted. A true label is matched
    /// to a class case-insensitively when it is not a class itself.
    public init(records: [ManifestRecord], labels: [String: String]?, classes given: [String] = []) {
        let known = Set(given)
        let lowered = Dictionary(given.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        var items: [Item] = []
        var unlabelled = 0
        for record in records {
            let raw: String?
            if let labels {
                raw = labels[record.input] ?? labels[(record.input as NSString).lastPathComponent]
            } else {
                let folder = (record.input as NSString).deletingLastPathComponent
                raw = folder.isEmpty ? nil : (folder as NSString).lastPathComponent
            }
            guard let raw, !raw.isEmpty else {
                unlabelled += 1
                continue
            }
            let truth = known.contains(raw) ? raw : (lowered[raw.lowercased()] ?? raw)
            items.append(Item(input: record.input, truth: truth, prediction: record.status == .ok ? record.prediction : nil))
        }
        self.items = items
        self.unlabelled = unlabelled
        let extra = Set(items.flatMap { [$0.truth] + ($0.prediction.map { [$0] } ?? []) }).subtracting(known)
        classes = given + extra.sorted()
    }

    public var total: Int { items.count }
    public var correct: Int { items.filter { $0.prediction == $0.truth }.count }
    /// Labelled files the pipeline failed on.
    public var failed: Int { items.filter { $0.prediction == nil }.count }
    public var accuracy: Double { total > 0 ? Double(correct) / Double(total) : 0 }

    /// counts[truth][prediction] over `classes`; failed files are not in the matrix.
    public var matrix: [[Int]] {
        let index = Dictionary(classes.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
        for item in items {
            guard let row = index[item.truth], let prediction = item.prediction, let column = index[prediction] else { continue }
            counts[row][column] += 1
        }
        return counts
    }

    /// Accuracy per true class that occurs, in `classes` order.
    public var perClass: [ClassAccuracy] {
        classes.compactMap { label in
            let mine = items.filter { $0.truth == label }
            guard !mine.isEmpty else { return nil }
            return ClassAccuracy(label: label, correct: mine.filter { $0.prediction == label }.count, total: mine.count)
        }
    }

    /// Off-diagonal pairs, most frequent first (ties by truth, then prediction).
    public func confusions(limit: Int = 10) -> [Confusion] {
        var counts: [String: Confusion] = [:]
        for item in items {
            guard let prediction = item.prediction, prediction != item.truth else { continue }
            counts["\(item.truth)\u{0}\(prediction)", default: Confusion(truth: item.truth, prediction: prediction, count: 0)].count += 1
        }
        return counts.values.sorted {
            ($0.count, $1.truth, $1.prediction) > ($1.count, $0.truth, $0.prediction)
        }.prefix(limit).map { $0 }
    }

    /// The text summary `glyphprep eval` prints.
    public func reportLines(confusionLimit: Int = 10) -> [String] {
        var lines = [String(format: "accuracy: %.2f %% (%d of %d labelled files", 100 * accuracy, correct, total)
            + (failed > 0 ? ", \(failed) failed in the pipeline" : "") + ")"
            + (unlabelled > 0 ? "; \(unlabelled) files without a label" : "")]
        lines.append("per class:")
        for row in perClass {
            lines.append(String(format: "  %@  %6.2f %%  (%d/%d)", row.label, 100 * row.accuracy, row.correct, row.total))
        }
        let top = confusions(limit: confusionLimit)
        if !top.isEmpty {
            lines.append("most frequent confusions (true → predicted):")
            for c in top { lines.append("  \(c.truth) → \(c.prediction): \(c.count)") }
        }
        return lines
    }

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

    /// Reads `outputDirectory/manifest.jsonl`.
    public static func load(outputDirectory: String, labels: [String: String]?, classes: [String] = []) throws -> Evaluation {
        Evaluation(records: try ManifestRecord.read(outputDirectory: outputDirectory), labels: labels, classes: classes)
    }
}
