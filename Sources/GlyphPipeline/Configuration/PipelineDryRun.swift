import GlyphImaging

/// A pipeline tried on made-up scans before any real file (`glyphprep validate`): each
/// stage's output size, the real final size, and a stage that fails on every input.
public struct PipelineDryRun: Sendable {
    /// One made-up scan and what the pipeline did with it.
    public struct Trial: Sendable {
        public var description: String
        /// Each stage that ran: its name and the size of its output.
        public var steps: [(stage: String, width: Int, height: Int)]
        /// The final image's size, or the failure.
        public var outcome: Result<(width: Int, height: Int), StageFailure>
    }

    public var trials: [Trial]
    /// The stages' names, decode first.
    private let stageNames: [String]

    /// Runs `pipeline` on two synthetic photos of a dark letter on light paper, a large
    /// JPEG-like page and a small tight crop.
    public init(_ pipeline: Pipeline) {
        let scans: [(String, Int, Int, PixelRect)] = [
            ("a 1600×1200 scan of one letter", 1600, 1200, PixelRect(x: 610, y: 380, width: 300, height: 420)),
            ("a 120×90 crop of one letter", 120, 90, PixelRect(x: 40, y: 15, width: 36, height: 60)),
        ]
        stageNames = [DecodeStage.name] + pipeline.stages.map { type(of: $0).name }
        trials = scans.map { description, width, height, letter in
            var steps: [(stage: String, width: Int, height: Int)] = []
            let outcome: Result<(width: Int, height: Int), StageFailure>
            do throws(StageFailure) {
                let bytes = try Self.scan(width: width, height: height, letter: letter)
                let (image, _) = try pipeline.process(bytes) { stage, _, image in steps.append((stage, image.width, image.height)) }
                outcome = .success((image.width, image.height))
            } catch {
                outcome = .failure(error)
            }
            return Trial(description: description, steps: steps, outcome: outcome)
        }
    }

    /// When every trial fails: the stage that failed first and why, per trial; else nil.
    public var failureOnEveryInput: [String]? {
        var failures: [String] = []
        for trial in trials {
            guard case .failure(let failure) = trial.outcome else { return nil }
            let index = min(trial.steps.count, stageNames.count - 1)
            failures.append("stage \(index + 1) '\(stageNames[index])' fails on \(trial.description): \(failure.message)")
        }
        return failures
    }

    /// The final sizes, when every trial got through.
    public var outputSizes: [(width: Int, height: Int)] {
        trials.compactMap { try? $0.outcome.get() }
    }

    /// An "L" of dark ink on grey-white paper as a PNG file in memory.
    private static func scan(width: Int, height: Int, letter: PixelRect) throws(StageFailure) -> FileBytes {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        let stroke = max(2, letter.width / 6)
        for y in 0..<height {
            for x in 0..<width {
                let inStem = x >= letter.x && x < letter.x + stroke && y >= letter.y && y < letter.y + letter.height
                let inFoot = y >= letter.y + letter.height - stroke && y < letter.y + letter.height
                    && x >= letter.x && x < letter.x + letter.width
                let value: UInt8 = inStem || inFoot ? 40 : UInt8(215 + (x * 7 + y * 13) % 20)
                let offset = (y * width + x) * 3
                rgb[offset] = value
                rgb[offset + 1] = value
                rgb[offset + 2] = value
            }
        }
        do {
            return FileBytes(try ImageEncoder.encode(bytes: rgb, width: width, height: height, bands: 3, as: .png))
        } catch {
            throw StageFailure(.stageError, "cannot make the test scan: \(error)")
        }
    }
}
