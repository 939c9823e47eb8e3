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
        /// The line without its newline.
        public var text: String
    }

    /// The complete, valid lines of `path` (none when it is missing). A torn last line (no
    /// newline, or not a JSON object with `input` and `status`) is dropped.
    public static func lines(at path: String) -> [Line] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var result: [Line] = []
        var start = data.startIndex
        while let newline = data[start...].firstIndex(of: UInt8(ascii: "\n")) {
            if let line = parse(data[start..<newline]) { result.append(line) }
            start = newline + 1
        }
        return result
    }

    static func parse(_ bytes: Data) -> Line? {
        guard let object = (try? JSONSerialization.jsonObject(with: EscapedFileNameBytes.restore(bytes))) as? [String: Any],
              let input = object["input"] as? String,
              let status = (object["status"] as? String).flatMap(ManifestRecord.Status.init(rawValue:)),
              let text = String(data: bytes, encoding: .utf8) else { return nil }
        return Line(input: input, status: status, output: object["output"] as? String, text: text)
    }

    /// What earlier runs recorded in `layout`, newest wins: the final manifest, then the
    /// previous state of an unfinished resume, then the partial manifest of an unfinished run.
    public static func known(in layout: RunLayout) -> [String: Line] {
        var known: [String: Line] = [:]
        for path in [layout.manifest, layout.previous, layout.partial] {
            for line in lines(at: path) { known[line.input] = line }
        }
        return known
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
