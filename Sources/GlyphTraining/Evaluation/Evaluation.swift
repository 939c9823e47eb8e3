import Foundation
import GlyphImaging
import GlyphPipeline

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
        /// nil when the pipeline failed on the file or the classifier withheld its answer.
        public var prediction: String?
        /// Why a classified file has no prediction (`low_confidence`, `not_a_digit`).
        public var reason: String? = nil
        /// The classifier's top guess and its probability, when it ran.
        public var topLabel: String? = nil
        public var confidence: Double? = nil
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
    /// The model's classes as given.
    public let modelClasses: Set<String>

    /// `labels` nil takes each file's parent folder name. `classes` (e.g. the model's labels)
    /// fixes the matrix order; labels outside it are appended sorted. A true label is matched
    /// to a class case-insensitively when it is not a class itself.
    public init(records: [ManifestRecord], labels: [String: String]?, classes given: [String] = []) {
        let known = Set(given)
        let lowered = Dictionary(given.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        var items: [Item] = []
        var unlabelled = 0
        for record in records {
            guard let raw = Self.trueLabel(of: record.input, labels: labels) else {
                unlabelled += 1
                continue
            }
            let truth = known.contains(raw) ? raw : (lowered[raw.lowercased()] ?? raw)
            let ok = record.status == .ok
            items.append(Item(input: record.input, truth: truth, prediction: ok ? record.prediction : nil,
                              reason: ok ? record.reason : nil, topLabel: ok ? record.top?.first?.label : nil,
                              confidence: ok ? record.confidence.map(Double.init) : nil))
        }
        self.items = items
        self.unlabelled = unlabelled
        modelClasses = known
        let extra = Set(items.flatMap { [$0.truth] + ($0.prediction.map { [$0] } ?? []) }).subtracting(known)
        classes = given + extra.sorted()
    }

    /// The true label of an input path: from `labels` (by path, then file name), or its
    /// parent folder's name when `labels` is nil.
    public static func trueLabel(of input: String, labels: [String: String]?) -> String? {
        let raw: String?
        if let labels {
            raw = labels[input] ?? labels[(input as NSString).lastPathComponent]
        } else {
            let folder = (input as NSString).deletingLastPathComponent
            raw = folder.isEmpty ? nil : (folder as NSString).lastPathComponent
        }
        return raw?.isEmpty == false ? raw : nil
    }

    /// Checks the true labels of the image files under `input` before anything runs: some file
    /// must have one, and every label must be one of `classes` (case aside) unless
    /// `allowNegatives`. Returns how many files have a label.
    public static func checkLabels(input: String, labels: [String: String]?, classes: [String],
                                   source: String, allowNegatives: Bool = false) throws -> Int {
        var labelled = 0
        var foreign: [String: Int] = [:]
        let lowered = Set(classes.map { $0.lowercased() })
        for file in try InputWalker(root: input) {
            guard let label = trueLabel(of: file.relativePath, labels: labels) else { continue }
            labelled += 1
            if !allowNegatives && !classes.isEmpty && !lowered.contains(label.lowercased()) { foreign[label, default: 0] += 1 }
        }
        guard labelled > 0 else {
            throw EvaluationError("no image file under \(input) has a true label (from \(source)); nothing was run")
        }
        guard foreign.isEmpty else {
            let listed = foreign.sorted { $0.key < $1.key }.prefix(8).map { "'\($0.key)' (\($0.value) files)" }
            throw EvaluationError("true labels the model cannot output: \(listed.joined(separator: ", "))\(foreign.count > 8 ? " and \(foreign.count - 8) more" : ""); the model's classes are \(classes.joined(separator: " ")); nothing was run (--negatives scores such files as negative examples)")
        }
        return labelled
    }
    /// Files whose true label is one of the model's classes (all files when no classes were
    /// given): the accuracy, coverage and calibration figures are about these.
    public var scoredItems: [Item] { modelClasses.isEmpty ? items : items.filter { modelClasses.contains($0.truth) } }
    /// Files whose true label the model cannot output (e.g. digits for a letters model, with
    /// `eval --negatives`): each one answered with a class is a wrong answer.
    public var negatives: [Item] { modelClasses.isEmpty ? [] : items.filter { !modelClasses.contains($0.truth) } }
    /// Share of the negative examples answered with a class (nil without negatives).
    public var negativesAnswered: Double? {
        let negatives = negatives
        return negatives.isEmpty ? nil : Double(negatives.filter { $0.prediction != nil }.count) / Double(negatives.count)
    }

    /// Labelled files of the model's classes.
    public var total: Int { scoredItems.count }
    public var correct: Int { scoredItems.filter { $0.prediction == $0.truth }.count }
    /// Labelled files the pipeline failed on.
    public var failed: Int { scoredItems.filter { $0.prediction == nil && $0.reason == nil }.count }
    public var accuracy: Double { total > 0 ? Double(correct) / Double(total) : 0 }
    /// Labelled files with a prediction, and the share of all labelled files they are.
    public var answered: Int { scoredItems.filter { $0.prediction != nil }.count }
    public var coverage: Double { total > 0 ? Double(answered) / Double(total) : 0 }
    /// Accuracy of the files that got a prediction.
    public var answeredAccuracy: Double { answered > 0 ? Double(correct) / Double(answered) : 0 }
    /// Withheld predictions per reason, sorted by reason.
    public var withheld: [(reason: String, count: Int)] { Self.reasons(scoredItems) }

    static func reasons(_ items: [Item]) -> [(reason: String, count: Int)] {
        Dictionary(grouping: items.compactMap(\.reason), by: { $0 }).map { ($0.key, $0.value.count) }.sorted { $0.reason < $1.reason }
    }

    /// The files the calibration figures are computed on: those the classifier ran on whose true
    /// label is one of the model's classes.
    public var calibrationItems: [Item] { items.filter { $0.confidence != nil && modelClasses.contains($0.truth) } }

    /// Expected calibration error (10 bins, as in issue 18) of the top guesses' probabilities
    /// over `calibrationItems`; nil when there are none.
    public var expectedCalibrationError: Double? {
        let scored = calibrationItems
        guard !scored.isEmpty else { return nil }
        return Calibration.expectedCalibrationError(confidences: scored.compactMap(\.confidence),
                                                    correct: scored.map { $0.topLabel == $0.truth }, bins: 10)
    }

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
        if !withheld.isEmpty {
            lines.append(String(format: "answered: %.2f %% (%d of %d), of which %.2f %% right; withheld: ", 100 * coverage, answered,
                                total, 100 * answeredAccuracy) + withheld.map { "\($0.reason) \($0.count)" }.joined(separator: ", "))
        }
        if let ece = expectedCalibrationError {
            lines.append(String(format: "calibration: ECE %.4f (10 bins, top guess's probability)", ece))
        }
        if let share = negativesAnswered {
            let negatives = negatives
            let labels = Set(negatives.map(\.truth)).sorted().joined(separator: " ")
            lines.append(String(format: "not the model's classes (%d files: %@): %.2f %% answered with a class; withheld: ",
                                negatives.count, labels, 100 * share)
                         + Self.reasons(negatives).map { "\($0.reason) \($0.count)" }.joined(separator: ", "))
        }
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

    /// Reads `outputDirectory/manifest.jsonl`.
    public static func load(outputDirectory: String, labels: [String: String]?, classes: [String] = []) throws -> Evaluation {
        Evaluation(records: try ManifestRecord.read(outputDirectory: outputDirectory), labels: labels, classes: classes)
    }
}

/// Labels that cannot be evaluated, with a message for the user.
public struct EvaluationError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
