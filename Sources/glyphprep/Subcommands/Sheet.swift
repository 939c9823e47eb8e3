import ArgumentParser
import GlyphPipeline
import GlyphVisualization

extension RecordOrder: ExpressibleByArgument {}

extension GlyphPrepCommand {
    struct Sheet: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw a contact sheet of a run's normalized images from its manifest.",
            discussion: """
            Examples:
              glyphprep sheet out -o sheet.png
              glyphprep sheet out -o unsure.png --filter 'confidence<0.6' --sort confidence
            """)

        @OptionGroup var source: RunDirectory

        @Option(help: "Order: manifest, confidence (least confident first) or input.")
        var sort: RecordOrder = .manifest

        @Option(help: "Keep matching files: label=X, status=ok|error, confidence<P, confidence>P, input~TEXT, reason=R (low_confidence, not_a_letter, not_a_digit) or withheld (any of them, for review) (repeatable).")
        var filter: [String] = []

        @Option(help: "Show at most N files.")
        var limit: Int?

        @Option(help: "Images per row.")
        var columns = 10

        @Option(help: "Enlargement of the 28×28 images (nearest neighbour).")
        var scale = 4

        func validate() throws {
            guard (1...200).contains(columns) else { throw ValidationError("--columns must be between 1 and 200") }
            guard (1...16).contains(scale) else { throw ValidationError("--scale must be between 1 and 16") }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
            _ = try query()
        }

        func query() throws -> RecordQuery {
            do {
                return RecordQuery(filters: try filter.map(RecordFilter.init(parsing:)), order: sort, limit: limit)
            } catch {
                throw ValidationError(error.message)
            }
        }

        func run() throws {
            do {
                try ContactSheet(columns: columns, scale: scale).render(outputDirectory: source.directory, query: query())
                    .writePNG(to: source.output)
            } catch let error as ValidationError {
                throw error
            } catch {
                throw commandFailure(error)
            }
        }
    }
}
