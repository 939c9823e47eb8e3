import Foundation
import GlyphImaging

/// The corpus cache file: a magic string and the key, then the scans, clean, naive, rejects and photo sections,
/// each a writer count and per writer (sorted) its name, image side, image count, one byte per
/// label, one byte per failure flag, and the pixels. Integers are 8-byte little-endian, strings
/// UTF-8 after their byte count.
extension LetterCorpus {
    /// Loads the corpus stored at `path` when `accepts` its key, else nil.
    public static func cached(at path: String, accepts: (String) -> Bool) -> LetterCorpus? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var reader = ByteReader(bytes: [UInt8](data))
        guard reader.string() == Self.cacheMagic, let key = reader.string(), accepts(key) else { return nil }
        var sections: [[String: WriterImages]] = []
        for _ in 0..<5 {
            guard let count = reader.int() else { return nil }
            var section: [String: WriterImages] = [:]
            for _ in 0..<count {
                guard let writer = reader.string(), let side = reader.int(), let n = reader.int(),
                      let labels = reader.bytes(n), let failed = reader.bytes(n), let pixels = reader.bytes(n * side * side)
                else { return nil }
                section[writer] = WriterImages(writer: writer, side: side, pixels: pixels, labels: labels.map(Int.init),
                                               failed: failed.map { $0 != 0 })
            }
            sections.append(section)
        }
        var corpus = LetterCorpus(writers: sections[0].keys.sorted(), scans: sections[0], clean: sections[1],
                                  naive: sections[2], rejects: sections[3], seconds: 0)
        corpus.photo = sections[4]
        return corpus
    }

    /// Stores the corpus at `path` (atomically) under `key`.
    public func store(at path: String, key: String) throws {
        var out: [UInt8] = []
        func put(_ value: Int) { withUnsafeBytes(of: UInt64(value).littleEndian) { out.append(contentsOf: $0) } }
        func put(_ text: String) { put(text.utf8.count); out.append(contentsOf: text.utf8) }
        put(Self.cacheMagic)
        put(key)
        for section in [scans, clean, naive, rejects, photo] {
            put(section.count)
            for writer in section.keys.sorted() {
                guard let images = section[writer] else { continue }
                put(writer)
                put(images.side)
                put(images.count)
                out.append(contentsOf: images.labels.map { UInt8(clamping: $0) })
                out.append(contentsOf: images.failed.map { $0 ? 1 : 0 })
                out.append(contentsOf: images.pixels)
            }
        }
        try AtomicFile.write(out, to: path)
    }

    private static let cacheMagic = "glyphprep letter corpus 3"
}

/// Reads the little-endian fields `LetterCorpus.store` writes.
private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func int() -> Int? {
        guard let raw = bytes(8) else { return nil }
        let value = raw.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return value <= UInt64(Int32.max) ? Int(value) : nil
    }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, offset + count <= bytes.count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func string() -> String? {
        guard let count = int(), let raw = bytes(count) else { return nil }
        return String(decoding: raw, as: UTF8.self)
    }
}
