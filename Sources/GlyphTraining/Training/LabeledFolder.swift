import Foundation
import GlyphImaging

/// One sample on disk: a path relative to the data set root, and its class label.
public struct LabeledFile: Sendable, Hashable, CustomStringConvertible {
    public var relativePath: String
    public var label: String

    public init(relativePath: String, label: String) {
        self.relativePath = relativePath
        self.label = label
    }

    public var description: String { "\(relativePath) → \(label)" }
}

/// Why a labelled folder or its `labels.csv` was rejected.
public enum LabeledFolderError: Error, Equatable, CustomStringConvertible {
    case notADirectory(String)
    case unreadable(String)
    case unterminatedQuote(line: Int)
    case fieldCount(line: Int, found: Int)
    case emptyField(line: Int)
    case unsafePath(line: Int, path: String)
    case duplicate(line: Int, path: String)
    case noSamples(String)

    public var description: String {
        switch self {
        case .notADirectory(let p): "\(p) is not a directory"
        case .unreadable(let why): why
        case .unterminatedQuote(let line): "labels.csv line \(line): unterminated quoted field"
        case let .fieldCount(line, found): "labels.csv line \(line): expected 2 fields (file,label), found \(found)"
        case .emptyField(let line): "labels.csv line \(line): empty file name or label"
        case let .unsafePath(line, path): "labels.csv line \(line): path \"\(path)\" must be relative and stay inside the folder"
        case let .duplicate(line, path): "labels.csv line \(line): \"\(path)\" is listed twice"
        case .noSamples(let p): "no labelled images found in \(p)"
        }
    }
}

/// The samples of a labelled folder, plus the listed files that do not exist.
public struct LabeledFolderIndex: Sendable, Hashable {
    /// Existing samples, in listing order (CSV) or sorted by label then path (subfolders).
    public var samples: [LabeledFile]
    /// Paths named in `labels.csv` with no regular file behind them.
    public var missing: [String]

    /// Distinct labels, sorted.
    public var labels: [String] { Array(Set(samples.map(\.label))).sorted() }
}

/// Reads a training folder laid out as `label/file.png`, or with a `labels.csv`
/// (`file,label` per line, optional header, RFC 4180 quoting) at its root.
public enum LabeledFolder {
    /// Extensions (lower-case) counted as images when scanning subfolders.
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff", "bmp", "gif", "webp", "pgm", "ppm", "pbm"]

    public static let csvName = "labels.csv"

    /// Uses `root/labels.csv` when it exists, otherwise one subfolder per label.
    public static func index(root: URL) throws -> LabeledFolderIndex {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LabeledFolderError.notADirectory(root.path)
        }
        let csv = root.appendingPathComponent(csvName)
        let result: LabeledFolderIndex
        if FileManager.default.fileExists(atPath: csv.path) {
            let text: String
            do {
                text = try String(contentsOf: csv, encoding: .utf8)
            } catch {
                throw LabeledFolderError.unreadable("cannot read \(csv.path) as UTF-8: \(SystemErrorText.reason(error))")
            }
            result = resolve(try parseCSV(text), root: root)
        } else {
            result = LabeledFolderIndex(samples: try scanSubfolders(root: root), missing: [])
        }
        guard !result.samples.isEmpty || !result.missing.isEmpty else {
            throw LabeledFolderError.noSamples(root.path)
        }
        return result
    }

    /// Image files directly inside each non-hidden subfolder of `root`, labelled by the subfolder's name.
    public static func scanSubfolders(root: URL) throws -> [LabeledFile] {
        let fm = FileManager.default
        let folders: [String]
        do {
            folders = try fm.contentsOfDirectory(atPath: root.path).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw LabeledFolderError.unreadable("cannot list \(root.path): \(SystemErrorText.reason(error))")
        }
        var samples: [LabeledFile] = []
        for label in folders {
            var isDirectory: ObjCBool = false
            let folder = root.appendingPathComponent(label)
            guard fm.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let files: [String]
            do {
                files = try fm.contentsOfDirectory(atPath: folder.path)
            } catch {
                throw LabeledFolderError.unreadable("cannot list \(folder.path): \(SystemErrorText.reason(error))")
            }
            for file in files.sorted() where !file.hasPrefix(".")
                && imageExtensions.contains((file as NSString).pathExtension.lowercased()) {
                samples.append(LabeledFile(relativePath: label + "/" + file, label: label))
            }
        }
        return samples
    }

    /// Parses `labels.csv` text. A first record equal to `file,label` (any case) is a header.
    public static func parseCSV(_ text: String) throws -> [LabeledFile] {
        let records = try csvRecords(text)
        var samples: [LabeledFile] = []
        var seen = Set<String>()
        for (index, record) in records.enumerated() {
            let (line, fields) = record
            if index == 0, fields.map({ $0.lowercased() }) == ["file", "label"] { continue }
            guard fields.count == 2 else { throw LabeledFolderError.fieldCount(line: line, found: fields.count) }
            let path = fields[0], label = fields[1]
            guard !path.isEmpty, !label.isEmpty else { throw LabeledFolderError.emptyField(line: line) }
            let components = path.split(separator: "/", omittingEmptySubsequences: false)
            guard !path.hasPrefix("/"), !components.contains(".."), !path.contains("\\") else {
                throw LabeledFolderError.unsafePath(line: line, path: path)
            }
            guard seen.insert(path).inserted else { throw LabeledFolderError.duplicate(line: line, path: path) }
            samples.append(LabeledFile(relativePath: path, label: label))
        }
        return samples
    }

    /// Splits listed samples into those whose file exists under `root` and the missing ones.
    public static func resolve(_ listed: [LabeledFile], root: URL) -> LabeledFolderIndex {
        var present: [LabeledFile] = []
        var missing: [String] = []
        for sample in listed {
            var isDirectory: ObjCBool = false
            let path = root.appendingPathComponent(sample.relativePath).path
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                present.append(sample)
            } else {
                missing.append(sample.relativePath)
            }
        }
        return LabeledFolderIndex(samples: present, missing: missing)
    }

    /// RFC 4180 records with the 1-based line each starts on; blank lines are skipped and
    /// unquoted fields are trimmed of surrounding spaces.
    static func csvRecords(_ text: String) throws -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var wasQuoted = false
        var line = 1
        var recordLine = 1
        var chars = Array(text.unicodeScalars)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        func endField() {
            fields.append(wasQuoted ? field : field.trimmingCharacters(in: .whitespaces))
            field = ""
            wasQuoted = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
            fields = []
        }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        i += 1
                    } else {
                        quoted = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else {
                switch c {
                case "\"" where field.trimmingCharacters(in: .whitespaces).isEmpty:
                    field = ""
                    quoted = true
                    wasQuoted = true
                case ",":
                    endField()
                case "\r" where i + 1 < chars.count && chars[i + 1] == "\n":
                    break
                case "\n", "\r":
                    endRecord()
                    line += 1
                    recordLine = line
                default:
                    field.unicodeScalars.append(c)
                }
            }
            i += 1
        }
        if quoted { throw LabeledFolderError.unterminatedQuote(line: recordLine) }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        return records
    }
}
