import Foundation
import GlyphPipeline

/// `done/total, rate, ETA` on one self-overwriting line of standard error.
final class ProgressLine {
    private var drawn = false

    func draw(_ progress: BatchProgress) {
        let rate = progress.imagesPerSecond
        var text = "\r\(progress.done)"
        if let total = progress.total {
            text += "/\(total)"
            if rate > 0 { text += String(format: "  ETA %.0f s", Double(max(0, total - progress.done)) / rate) }
        }
        text += String(format: "  %.1f images/s  ", rate)
        FileHandle.standardError.write(Data(text.utf8))
        drawn = true
    }

    /// Ends the line, if one was drawn.
    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
