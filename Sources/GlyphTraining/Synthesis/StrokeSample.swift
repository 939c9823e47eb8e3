/// One handwritten character captured as pen strokes: the writer, the character written, and
/// every pen-down trace in drawing order (tablet coordinates, y growing downward).
public struct StrokeSample: Sendable, Equatable {
    /// A tablet point; y grows downward.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double

        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// The writer's id, e.g. `w03`.
    public var writer: String
    /// The character as written, e.g. `A`.
    public var character: Character
    /// The strokes, each the points between one pen-down and the next pen-up.
    public var strokes: [[Point]]
    /// The 1-based line of the sample's `.SEGMENT` in its file (0 when built in code).
    public var line: Int

    public init(writer: String, character: Character, strokes: [[Point]], line: Int = 0) {
        self.writer = writer
        self.character = character
        self.strokes = strokes
        self.line = line
    }

    /// The letter class, `a`–`z` with case merged, or nil for digits and anything else.
    public var classLabel: Character? { StrokeSample.letterClass(of: character) }

    /// Whether the sample is one of the 26 letter classes.
    public var isLetter: Bool { classLabel != nil }

    /// `a`–`z` for an ASCII letter of either case, else nil.
    public static func letterClass(of character: Character) -> Character? {
        guard let ascii = character.asciiValue else { return nil }
        switch ascii {
        case 0x61...0x7A: return character
        case 0x41...0x5A: return Character(Unicode.Scalar(ascii + 0x20))
        default: return nil
        }
    }

    /// The bounding box of all points as (minX, minY, maxX, maxY), nil when there are none.
    public var bounds: (minX: Double, minY: Double, maxX: Double, maxY: Double)? {
        var minX = Double.infinity, minY = Double.infinity
        var maxX = -Double.infinity, maxY = -Double.infinity
        for stroke in strokes {
            for p in stroke {
                minX = min(minX, p.x); maxX = max(maxX, p.x)
                minY = min(minY, p.y); maxY = max(maxY, p.y)
            }
        }
        return minX.isFinite ? (minX, minY, maxX, maxY) : nil
    }
}
