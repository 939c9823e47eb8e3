import Foundation
import GlyphImaging
import GlyphPipeline

/// One self-contained HTML page about a run: summary counts, the contact sheet, a sortable and
/// filterable table of every file and, given true labels, the confusion matrix. Images are
/// inlined as data URIs and the only script is inline, so the page works offline.
public struct HTMLReport: Sendable {
    public var outputDirectory: String
    /// The run's input directory, for thumbnails of the originals.
    public var inputDirectory: String?
    /// True labels by input path (or file name).
    public var labels: [String: String]

    public init(outputDirectory: String, inputDirectory: String? = nil, labels: [String: String] = [:]) {
        self.outputDirectory = outputDirectory
        self.inputDirectory = inputDirectory
        self.labels = labels
    }

    /// Parses `file,label` lines; a header line `file,label` is skipped.
    public static func parseLabels(csv: String) throws(VisualizationError) -> [String: String] {
        var labels: [String: String] = [:]
        for (number, raw) in csv.split(whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let comma = line.lastIndex(of: ",") else {
                throw VisualizationError("labels line \(number + 1): expected file,label")
            }
            let file = line[..<comma].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            let label = line[line.index(after: comma)...].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            if number == 0 && file.lowercased() == "file" && label.lowercased() == "label" { continue }
            labels[file] = label
        }
        return labels
    }

    /// The true label of a record, matched by its input path, then by its file name.
    public func trueLabel(of record: ManifestRecord) -> String? {
        labels[record.input] ?? labels[(record.input as NSString).lastPathComponent]
    }

    /// The confusion matrix of the labelled, classified files: counts by true label (rows)
    /// and prediction (columns), over the sorted union of both.
    public func confusion(_ records: [ManifestRecord]) -> (classes: [String], counts: [[Int]]) {
        let pairs = records.compactMap { record -> (String, String)? in
            guard let truth = trueLabel(of: record), let prediction = record.prediction else { return nil }
            return (truth, prediction)
        }
        let classes = Set(pairs.flatMap { [$0.0, $0.1] }).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
        for (truth, prediction) in pairs {
            if let row = index[truth], let column = index[prediction] { counts[row][column] += 1 }
        }
        return (classes, counts)
    }

    public func render() throws -> String {
        let records = try ManifestRecord.read(outputDirectory: outputDirectory)
        let ok = records.filter { $0.status == .ok }.count
        let failed = records.count - ok
        var html = Self.head
        html += "<h1>GlyphPrep report</h1>\n<p class=\"muted\">\(Self.escape(outputDirectory))</p>\n"
        html += "<section class=\"cards\">"
        html += Self.card("files", "\(records.count)")
        html += Self.card("ok", "\(ok)")
        html += Self.card("failed", "\(failed)", warn: failed > 0)
        html += Self.card("success rate", records.isEmpty ? "–" : String(format: "%.1f%%", 100 * Double(ok) / Double(records.count)))
        let confidences = records.compactMap(\.confidence)
        if !confidences.isEmpty {
            html += Self.card("mean confidence", String(format: "%.1f%%", 100 * Double(confidences.reduce(0, +)) / Double(confidences.count)))
        }
        let labelled = records.compactMap { record -> Bool? in
            guard let truth = trueLabel(of: record), let prediction = record.prediction else { return nil }
            return truth == prediction
        }
        if !labelled.isEmpty {
            let right = labelled.filter { $0 }.count
            html += Self.card("accuracy", String(format: "%.1f%% (%d/%d)", 100 * Double(right) / Double(labelled.count), right, labelled.count))
        }
        html += "</section>\n"
        let codes = Dictionary(grouping: records.compactMap { $0.error?.code.rawValue }, by: { $0 })
        if !codes.isEmpty {
            html += "<p>Errors: " + codes.keys.sorted().map { "<code>\(Self.escape($0))</code> \(codes[$0]?.count ?? 0)" }
                .joined(separator: " · ") + "</p>\n"
        }

        html += "<h2>Contact sheet</h2>\n"
        let sheet = try ContactSheet(columns: 12, scale: 3, title: "\(records.count) files").render(records, outputDirectory: outputDirectory)
        html += "<img class=\"sheet\" alt=\"contact sheet\" src=\"\(Self.dataURI(try sheet.png(), type: "image/png"))\">\n"

        html += pagesSection(records)
        html += try withheldSection(records)
        if !labels.isEmpty {
            html += confusionSection(records)
        }
        html += try reliabilitySection(records)
        html += tableSection(records)
        html += Self.script + "</body>\n</html>\n"
        return html
    }

    func confusionSection(_ records: [ManifestRecord]) -> String {
        let (classes, counts) = confusion(records)
        var html = "<h2>Confusion matrix</h2>\n"
        guard !classes.isEmpty else { return html + "<p class=\"muted\">No labelled file has a prediction.</p>\n" }
        html += "<p class=\"muted\">Rows: true label; columns: prediction; shade: share of the row.</p>\n"
        html += "<table class=\"confusion\"><thead><tr><th>true \\ predicted</th>"
        html += classes.map { "<th>\(Self.escape($0))</th>" }.joined() + "<th>total</th></tr></thead><tbody>\n"
        for (row, truth) in classes.enumerated() {
            let total = counts[row].reduce(0, +)
            html += "<tr><th>\(Self.escape(truth))</th>"
            for (column, count) in counts[row].enumerated() {
                let share = total > 0 ? Double(count) / Double(total) : 0
                let hue = row == column ? "33,145,140" : "196,40,40"
                let text = share > 0.55 ? "#fff" : "#222"
                html += String(format: "<td style=\"background:rgba(%@,%.3f);color:%@\">%@</td>", hue, share, text, count > 0 ? "\(count)" : "")
            }
            html += "<td class=\"muted\">\(total)</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    func tableSection(_ records: [ManifestRecord]) -> String {
        let showOriginal = inputDirectory != nil
        let showTruth = !labels.isEmpty
        var html = "<h2>Files</h2>\n<div class=\"controls\"><input id=\"q\" type=\"search\" placeholder=\"filter: name, label, error…\">"
        html += "<select id=\"status\"><option value=\"\">all</option><option value=\"ok\">ok</option><option value=\"error\">error</option>"
        if showTruth { html += "<option value=\"wrong\">wrong prediction</option>" }
        if records.contains(where: { $0.reason != nil }) { html += "<option value=\"withheld\">withheld (for review)</option>" }
        html += "</select> <span id=\"shown\" class=\"muted\"></span></div>\n"
        html += "<table id=\"files\"><thead><tr><th>#</th>"
        if showOriginal { html += "<th class=\"nosort\">original</th>" }
        html += "<th class=\"nosort\">normalized</th><th>input</th><th>prediction</th><th>confidence</th>"
        if showTruth { html += "<th>true label</th>" }
        html += "<th class=\"nosort\">top 3</th><th>status</th></tr></thead><tbody>\n"
        for (index, record) in records.enumerated() {
            let truth = trueLabel(of: record)
            let wrong = truth != nil && record.prediction != nil && truth != record.prediction
            let withheld = record.prediction == nil && record.reason != nil ? " data-withheld=\"1\"" : ""
            html += "<tr data-status=\"\(record.status.rawValue)\"\(wrong ? " data-wrong=\"1\"" : "")\(withheld)><td data-v=\"\(index + 1)\">\(index + 1)</td>"
            if showOriginal { html += "<td>\(originalThumbnail(record))</td>" }
            html += "<td>\(normalizedImage(record))</td>"
            html += "<td class=\"name\">\(Self.escape(record.input))</td>"
            html += "<td class=\"pred\">\(Self.escape(record.prediction ?? record.reason.map { "— (\($0))" } ?? ""))</td>"
            let confidence = record.confidence
            html += "<td data-v=\"\(confidence.map { String(format: "%.6f", Double($0)) } ?? "-1")\">"
                + (confidence.map { String(format: "%.1f%%", Double($0) * 100) } ?? "") + "</td>"
            if showTruth { html += "<td class=\"\(wrong ? "wrong" : "")\">\(Self.escape(truth ?? ""))</td>" }
            let top = (record.top ?? []).prefix(3).map { String(format: "%@ %.1f%%", Self.escape($0.label), Double($0.probability) * 100) }
            html += "<td class=\"muted\">\(top.joined(separator: "<br>"))</td>"
            if let error = record.error {
                html += "<td data-v=\"error \(Self.escape(error.code.rawValue))\"><span class=\"bad\">\(Self.escape(error.code.rawValue))</span><br><small>\(Self.escape(error.message))</small></td>"
            } else {
                html += "<td data-v=\"ok\"><span class=\"good\">ok</span></td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    func normalizedImage(_ record: ManifestRecord) -> String {
        guard let output = record.output,
              let data = FileManager.default.contents(atPath: outputDirectory + "/" + output) else { return "" }
        return "<img class=\"px\" alt=\"\" src=\"\(Self.dataURI([UInt8](data), type: "image/png"))\">"
    }

    /// A thumbnail of the original, only where `run` would read it (never through a link out
    /// of the input directory).
    func originalThumbnail(_ record: ManifestRecord) -> String {
        guard let inputDirectory, record.error?.code != .outsideInput,
              InputWalker.resolves(inputDirectory + "/" + record.input, inside: inputDirectory),
              let file = try? FileBytes(contentsOfFile: inputDirectory + "/" + record.input),
              let thumbnail = try? DisplayImage.load(file.copy, maxWidth: 96, maxHeight: 64),
              let jpeg = try? ImageEncoder.encode(thumbnail, as: .jpeg, quality: 80) else { return "" }
        return "<img class=\"thumb\" alt=\"\" src=\"\(Self.dataURI(jpeg, type: "image/jpeg"))\">"
    }

    static func card(_ title: String, _ value: String, warn: Bool = false) -> String {
        "<div class=\"card\(warn ? " warn" : "")\"><div class=\"v\">\(escape(value))</div><div class=\"t\">\(escape(title))</div></div>"
    }

    static func dataURI(_ bytes: [UInt8], type: String) -> String {
        "data:\(type);base64," + Data(bytes).base64EncodedString()
    }

    static func escape(_ text: String) -> String { TextRenderer.escape(text) }

    static let head = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>GlyphPrep report</title>
        <style>
        body { font: 14px/1.4 "DejaVu Sans", system-ui, sans-serif; margin: 24px; color: #222; background: #f6f6f3; }
        h1 { margin: 0 0 4px; font-size: 22px; } h2 { margin: 28px 0 8px; font-size: 17px; }
        .muted { color: #777; }
        .cards { display: flex; gap: 12px; flex-wrap: wrap; margin-top: 12px; }
        .card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px 16px; min-width: 110px; }
        .card .v { font-size: 22px; font-weight: bold; } .card .t { color: #777; font-size: 12px; }
        .card.warn .v { color: #c42828; }
        img.sheet { max-width: 100%; border: 1px solid #ddd; }
        img.px { width: 56px; height: 56px; image-rendering: pixelated; background: #000; }
        img.thumb { max-height: 56px; }
        table { border-collapse: collapse; background: #fff; }
        th, td { border: 1px solid #e2e2de; padding: 4px 8px; text-align: left; vertical-align: middle; }
        #files th { cursor: pointer; user-select: none; background: #eeeeea; position: sticky; top: 0; }
        #files th.nosort { cursor: default; }
        #files th.asc::after { content: " ▲"; } #files th.desc::after { content: " ▼"; }
        td.pred { font-weight: bold; font-size: 16px; } td.name { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
        td.wrong { color: #c42828; font-weight: bold; }
        .bad { color: #c42828; font-weight: bold; } .good { color: #21918c; font-weight: bold; }
        .confusion td { text-align: center; min-width: 28px; } .confusion th { background: #eeeeea; }
        .controls { margin-bottom: 8px; display: flex; gap: 8px; align-items: center; }
        .controls input { padding: 4px 8px; width: 260px; }
        </style>
        </head>
        <body>

        """

    static let script = """
        <script>
        (function () {
          var table = document.getElementById('files');
          if (!table) return;
          var body = table.tBodies[0];
          var q = document.getElementById('q'), status = document.getElementById('status'), shown = document.getElementById('shown');
          function value(row, i) {
            var cell = row.cells[i];
            return cell.hasAttribute('data-v') ? cell.getAttribute('data-v') : cell.textContent.trim();
          }
          Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
            if (th.classList.contains('nosort')) return;
            th.addEventListener('click', function () {
              var desc = th.classList.contains('asc');
              Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.classList.remove('asc', 'desc'); });
              th.classList.add(desc ? 'desc' : 'asc');
              var rows = Array.prototype.slice.call(body.rows);
              rows.sort(function (a, b) {
                var x = value(a, i), y = value(b, i), nx = parseFloat(x), ny = parseFloat(y);
                var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
                return desc ? -c : c;
              });
              rows.forEach(function (r) { body.appendChild(r); });
            });
          });
          function filter() {
            var text = q.value.toLowerCase(), s = status.value, n = 0;
            Array.prototype.forEach.call(body.rows, function (row) {
              var ok = (!text || row.textContent.toLowerCase().indexOf(text) >= 0) &&
                (!s || (s === 'wrong' ? row.hasAttribute('data-wrong') : s === 'withheld' ? row.hasAttribute('data-withheld')
                        : row.getAttribute('data-status') === s));
              row.style.display = ok ? '' : 'none';
              if (ok) n++;
            });
            shown.textContent = n + ' of ' + body.rows.length + ' files';
          }
          q.addEventListener('input', filter);
          status.addEventListener('change', filter);
          filter();
        })();
        </script>

        """
}
