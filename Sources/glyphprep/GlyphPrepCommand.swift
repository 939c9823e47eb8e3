import ArgumentParser
import GlyphPrep

@main
struct GlyphPrepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glyphprep",
        abstract: "Turn scans of handwritten letters into EMNIST-style 28×28 images and classify them.",
        version: GlyphPrepVersion.string,
        subcommands: [Synth.self]
    )
}
