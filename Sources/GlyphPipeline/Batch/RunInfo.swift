import Foundation
import GlyphImaging

/// The sidecar `run.json`: what produced a manifest, so a resume or merge can check it.
public struct RunInfo: Sendable, Equatable {
    public var pipelineName: String
    public var pipelineSHA256: String
    public var version: String
    /// The input directory's canonical absolute path.
    public var input: String
    public var imageSize: Int
    public var format: OutputOptions.Format
    public var labels: OutputOptions.Labels?
    public var shard: ShardSpec?

    public init(pipeline: Pipeline, input: String, shard: ShardSpec?) {
        pipelineName = pipeline.name
        pipelineSHA256 = SHA256.hex(pipeline.sourceText)
        version = GlyphPrepVersion.string
        self.input = InputWalker.realPath(input) ?? input
        imageSize = pipeline.targetSide
        format = pipeline.configuration.output.format
        labels = pipeline.configuration.output.labels
        self.shard = shard
    }

    /// The sidecar's text: one JSON object, keys in a fixed order, newline-terminated.
    public var json: String {
        var writer = JSONObjectWriter()
        writer.add("pipeline", string: pipelineName)
        writer.add("pipeline_sha256", string: pipelineSHA256)
        writer.add("glyphprep", string: version)
        writer.add("input", string: input)
        writer.add("image_size", raw: String(imageSize))
        writer.add("format", string: format.rawValue)
        if let labels { writer.add("labels", string: labels.description) }
        if let shard { writer.add("shard", string: shard.description) }
        return writer.text + "\n"
    }

    /// Reads a sidecar; nil when it is missing, throws when it is unreadable.
    public static func load(_ path: String) throws(BatchError) -> RunInfo? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let name = object["pipeline"] as? String,
              let hash = object["pipeline_sha256"] as? String,
              let version = object["glyphprep"] as? String,
              let input = object["input"] as? String,
              let size = object["image_size"] as? Int,
              let format = (object["format"] as? String).flatMap(OutputOptions.Format.init(rawValue:)) else {
            throw BatchError(message: "\(path) is not a glyphprep run file")
        }
        var info = RunInfo(pipelineName: name, pipelineSHA256: hash, version: version, input: input, imageSize: size, format: format)
        if let labels = object["labels"] as? String { info.labels = OutputOptions.Labels(labels) }
        if let shard = object["shard"] as? String { info.shard = try ShardSpec.parse(shard, environment: [:]) }
        return info
    }

    init(pipelineName: String, pipelineSHA256: String, version: String, input: String, imageSize: Int, format: OutputOptions.Format) {
        self.pipelineName = pipelineName
        self.pipelineSHA256 = pipelineSHA256
        self.version = version
        self.input = input
        self.imageSize = imageSize
        self.format = format
    }
}

/// Reads manifest files written by runs that may have been killed.
public enum ManifestReader {
    /// One line of a manifest, kept verbatim.
    public struct Line: Sendable, Equatable {
        public var input: String
        public var status: ManifestRecord.Status
        public var output: String?
        /// The line without its newline (a page's glyph lines: all of them, joined by newlines).
        public var text: String
        /// A page's glyph lines: the glyph count they state, and every line's output.
        public var glyphs: Int?
        public var outputs: [String?] = []
        var glyph: Int?
        /// A multi-page file's lines: the first line's page, and the file's page count.
        var page: Int?
        public var pages: Int?

        /// Whether this line begins a file's group of lines: any line without page or glyph
        /// numbers, else the first glyph of the first page.
        var beginsFile: Bool { (page ?? 0) == 0 && (glyph ?? 0) == 0 }

        /// `next`, a later glyph line of the same page, joined to this one.
        mutating func append(_ next: Line) {
            text += "\n" + next.text
            outputs += next.outputs
            if next.status == .error { status = .error }
        }
    }

    /// The complete, valid lines of `path` (none when it is missing). A torn last line (no
    /// newline) and lines that are not a JSON object with `input` and `status` are dropped.
    /// Holds the whole file's lines: streaming readers use `ManifestStream`.
    public static func lines(at path: String) -> [Line] {
        let stream = ManifestStream(path: path)
        var result: [Line] = []
        while let line = stream.next() { result.append(line) }
        return result
    }
}

/// Cheap integrity check of a finished output: a PNG whose header says `side`×`side` (any
/// size when `side` is nil).
public enum OutputCheck {
    public static func isIntactPNG(at path: String, side: Int?) -> Bool {
        let descriptor = FileSystemName.withCPath(path) { open($0, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 24)
        guard read(descriptor, &bytes, 24) == 24 else { return false }
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard Array(bytes[0..<8]) == signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return false }
        func word(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        guard let side else { return word(16) > 0 && word(20) > 0 }
        return word(16) == side && word(20) == side
    }
}
