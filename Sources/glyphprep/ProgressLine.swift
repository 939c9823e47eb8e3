import Foundation
import GlyphPipeline
import Synchronization

/// `done/total, rate, ETA` on one self-overwriting line of standard error, redrawn at most
/// five times a second (the runner reports every file, from its worker threads).
final class ProgressLine: Sendable {
    private struct State {
        var drawn = false
        var lastDraw = -Double.infinity
        var lastDone = -1
    }

    private let state = Mutex(State())

    func draw(_ progress: BatchProgress) {
        let text: String? = state.withLock { state in
            let final = progress.done == progress.total
            guard progress.done > state.lastDone, final || progress.seconds - state.lastDraw >= 0.2 else { return nil }
            state.lastDraw = progress.seconds
            state.lastDone = progress.done
            state.drawn = true
            return Self.text(progress)
        }
        if let text { FileHandle.standardError.write(Data(text.utf8)) }
    }

    static func text(_ progress: BatchProgress) -> String {
        let rate = progress.imagesPerSecond
        var text = "\r\(progress.done)"
        if let total = progress.total {
            text += "/\(total)"
            if rate > 0 { text += String(format: "  ETA %.0f s", Double(max(0, total - progress.done)) / rate) }
        }
        return text + String(format: "  %.1f images/s  ", rate)
    }

    /// Ends the line, if one was drawn.
    func finish() {
        if state.withLock({ $0.drawn }) { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
