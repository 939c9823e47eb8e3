import Foundation
import GlyphImaging
import GlyphPipeline

/// A file the visualization commands could not read or write.
public struct VisualizationError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

extension PreviewRenderer {
    /// The preview of image files, each row named by its path as given (one row per page of
    /// a multi-page TIFF or PDF).
    public func render(files: [String]) throws -> Canvas {
        var inputs: [PreviewInput] = []
        for path in files {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw VisualizationError("\(path) is a directory; preview takes image files (e.g. DIR/*.jpg)")
            }
            do {
                inputs += PreviewInput.pages(name: path, data: try FileBytes(contentsOfFile: path).copy)
            } catch {
                throw VisualizationError("cannot read \(path): \(error.message)")
            }
        }
        return try render(inputs)
    }
}

extension PageOverlay {
    /// The overlay of every page file in `files`, in order.
    public func render(files: [String]) throws -> Canvas {
        var inputs: [PreviewInput] = []
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw VisualizationError("cannot read \(path)")
            }
            inputs += PreviewInput.pages(name: path, data: [UInt8](data))
        }
        return try render(inputs)
    }
}

extension ContactSheet {
    /// The sheet of the records of `outputDirectory/manifest.jsonl` that `query` selects.
    public func render(outputDirectory: String, query: RecordQuery = RecordQuery()) throws -> Canvas {
        let all = try ManifestRecord.read(outputDirectory: outputDirectory)
        let selected = query.apply(all)
        guard !selected.isEmpty else {
            let filters = query.filters.map(\.description).joined(separator: ", ")
            throw VisualizationError("no file of the \(all.count) in the manifest matches \(filters.isEmpty ? "the query" : filters); nothing written")
        }
        var sheet = self
        if sheet.title.isEmpty {
            var parts = ["\(selected.count) of \(all.count) files"]
            if !query.filters.isEmpty { parts.append(query.filters.map(\.description).joined(separator: ", ")) }
            if query.order != .manifest { parts.append("sorted by \(query.order.rawValue)") }
            sheet.title = parts.joined(separator: " · ")
        }
        return try sheet.render(selected, outputDirectory: outputDirectory)
    }
}

extension Canvas {
    /// Writes the canvas as a PNG file (atomically).
    public func writePNG(to path: String) throws {
        guard width > 0, height > 0 else { throw VisualizationError("nothing to draw") }
        try AtomicFile.write(try png(), to: path)
    }
}
