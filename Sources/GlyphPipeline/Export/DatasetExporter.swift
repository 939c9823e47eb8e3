import Foundation
import GlyphImaging

/// Writes the `ok` rows of a manifest, in manifest order, as one dataset file: MNIST/EMNIST
/// IDX (`images-idx3-ubyte.gz`, `labels-idx1-ubyte.gz`) or NumPy (`images.npy`, `labels.npy`),
/// plus `index.csv` (row → input path, label) and, with labels, `classes.txt` (class index →
/// label, the labels in byte order).
public enum DatasetExporter {
    public static let indexName = "index.csv"
    public static let classesName = "classes.txt"

    /// Exports the dataset beside `manifest`; returns remarks for the user (e.g. rows lacking a
    /// label, in which case no label file is written).
    public static func export(directory: String, manifest: String, info: RunInfo) throws -> [String] {
        try VipsRuntime.start(threadsPerImage: 1)
        let rows = ManifestReader.lines(at: manifest).compactMap { line -> (input: String, output: String)? in
            guard line.status == .ok, let output = line.output else { return nil }
            return (line.input, output)
        }
        var notes: [String] = []
        var rowLabels: [String?] = Array(repeating: nil, count: rows.count)
        if let source = info.labels {
            let labels = try LabelTable(source: source, inputDirectory: info.input)
            rowLabels = rows.map { labels.label(for: $0.input) }
        }
        let classes = Array(Set(rowLabels.compactMap { $0 })).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var labelled = info.labels != nil && !rows.isEmpty
        if labelled, let missing = rowLabels.firstIndex(where: { $0 == nil }) {
            let count = rowLabels.filter { $0 == nil }.count
            notes.append("\(count) of \(rows.count) exported images have no label (first: \(rows[missing].input)); label files not written")
            labelled = false
        }
        if labelled && classes.count > 256 {
            notes.append("\(classes.count) distinct labels do not fit in one byte; label files not written")
            labelled = false
        }
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, UInt8($0)) })
        let side = info.imageSize
        let count = rows.count

        let images: any DatasetSink
        let labelFile: (any DatasetSink)?
        switch info.format {
        case .png:
            return notes
        case .idx:
            images = try GzipFile(path: directory + "/images-idx3-ubyte.gz")
            try images.write(bigEndian([0x0803, count, side, side]))
            labelFile = labelled ? try GzipFile(path: directory + "/labels-idx1-ubyte.gz") : nil
            try labelFile?.write(bigEndian([0x0801, count]))
        case .npy:
            images = try StreamingFile(path: directory + "/images.npy")
            try images.write(npyHeader(shape: [count, side, side]))
            labelFile = labelled ? try StreamingFile(path: directory + "/labels.npy") : nil
            try labelFile?.write(npyHeader(shape: [count]))
        }
        var index = labelled ? "row,input,label\n" : "row,input\n"
        var labelBytes: [UInt8] = []
        for (row, entry) in rows.enumerated() {
            try images.write(try grayPixels(at: directory + "/" + entry.output, side: side))
            index += "\(row),\(csvField(entry.input))"
            if labelled, let label = rowLabels[row], let value = classIndex[label] {
                index += "," + csvField(label)
                labelBytes.append(value)
            }
            index += "\n"
        }
        try labelFile?.write(labelBytes)
        try images.commit()
        try labelFile?.commit()
        try AtomicFile.write(Array(index.utf8), to: directory + "/" + indexName)
        if labelled {
            try AtomicFile.write(Array(classes.map { $0 + "\n" }.joined().utf8), to: directory + "/" + classesName)
        }
        return notes
    }

    /// The pixels of a normalized PNG, checked to be `side`×`side` and one channel.
    static func grayPixels(at path: String, side: Int) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BatchError(message: "cannot read \(path) for the dataset export")
        }
        let image: Raster
        do {
            image = try DecodeStage().decode([UInt8](data)).0
        } catch {
            throw BatchError(message: "cannot decode \(path) for the dataset export: \(error)")
        }
        guard image.width == side, image.height == side, image.channels == 1 else {
            throw BatchError(message: "\(path) is \(image.width)×\(image.height)×\(image.channels), not \(side)×\(side) grayscale")
        }
        return image.bytes()
    }

    /// Big-endian 32-bit integers, as IDX headers store them.
    static func bigEndian(_ values: [Int]) -> [UInt8] {
        values.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
    }

    /// A NumPy format 1.0 header for a C-ordered uint8 array, padded to 64 bytes.
    static func npyHeader(shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dictionary = "{'descr': '|u1', 'fortran_order': False, 'shape': \(dims), }"
        let unpadded = 10 + dictionary.utf8.count + 1
        dictionary += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = dictionary.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)] + Array(dictionary.utf8)
    }

    /// A CSV field, quoted when it holds a comma, quote or line break.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A dataset file being written.
protocol DatasetSink: AnyObject {
    func write(_ bytes: [UInt8]) throws
    func commit() throws
}

extension StreamingFile: DatasetSink {}
extension GzipFile: DatasetSink {}

/// The label of each input file, from its folder or from a CSV.
struct LabelTable {
    private let source: OutputOptions.Labels
    private var table: [String: String] = [:]

    init(source: OutputOptions.Labels, inputDirectory: String) throws {
        self.source = source
        guard case .csv(let path) = source else { return }
        let full = path.hasPrefix("/") ? path : inputDirectory + "/" + path
        guard let data = FileManager.default.contents(atPath: full) else {
            throw BatchError(message: "cannot read the labels file \(full)")
        }
        for (number, fields) in Self.csvRows(String(decoding: data, as: UTF8.self)).enumerated() {
            if number == 0 && fields.map({ $0.lowercased() }) == ["file", "label"] { continue }
            guard fields.count >= 2 else {
                if fields.allSatisfy(\.isEmpty) { continue }
                throw BatchError(message: "\(full):\(number + 1): expected file,label")
            }
            table[fields[0]] = fields[1]
        }
    }

    func label(for input: String) -> String? {
        switch source {
        case .csv: return table[input]
        case .folders:
            let parts = input.split(separator: "/")
            return parts.count >= 2 ? String(parts[parts.count - 2]) : nil
        }
    }

    /// Rows of RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and newlines.
    static func csvRows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = text.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = characters.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"": quoted = true
            case ",": row.append(field); field = ""
            case "\n", "\r\n", "\r":
                row.append(field); field = ""
                rows.append(row); row = []
            default: field.append(character)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
