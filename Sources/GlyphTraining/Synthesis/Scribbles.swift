import Foundation

/// Negative examples that are no character at all, for a model with a rejection class:
/// scribbles (a few wandering strokes), crossings-out (zigzags), coils and smudges (a small
/// blot of ink, which the pipeline blows up to a blob). Each sample has its own random stream,
/// so the set does not depend on how many are drawn after it.
public enum Scribbles {
    /// The character every scribble is labelled with: no digit and no letter.
    public static let character: Character = "#"

    /// `count` scribbles of writer `writer`, drawn from `seed`.
    public static func samples(count: Int, seed: UInt64, writer: String = "scribbles") -> [StrokeSample] {
        (0..<max(0, count)).map { index in
            var rng = SeededGenerator(seed: seed &+ 0x5C21_BB1E, stream: UInt64(index) &+ 1)
            return StrokeSample(writer: writer, character: character, strokes: strokes(&rng), line: index + 1)
        }
    }

    /// One scribble's strokes in a 100 × 100 box (y down).
    static func strokes(_ rng: inout SeededGenerator) -> [[StrokeSample.Point]] {
        switch rng.index(below: 4) {
        case 0: return (0..<rng.integer(in: 1...3)).map { _ in wander(&rng) }
        case 1: return [zigzag(&rng)]
        case 2: return [coil(&rng)]
        default: return [smudge(&rng)]
        }
    }

    /// A stroke that wanders with momentum: 6–16 points.
    static func wander(_ rng: inout SeededGenerator) -> [StrokeSample.Point] {
        var x = rng.uniform(20, 80), y = rng.uniform(20, 80)
        var angle = rng.uniform(0, 2 * Double.pi)
        var points = [StrokeSample.Point(x: x, y: y)]
        for _ in 0..<rng.integer(in: 6...16) {
            angle += rng.normal(mean: 0, deviation: 0.9)
            let step = rng.uniform(6, 18)
            x = min(100, max(0, x + step * cos(angle)))
            y = min(100, max(0, y + step * sin(angle)))
            points.append(StrokeSample.Point(x: x, y: y))
        }
        return points
    }

    /// Back-and-forth strokes over a box, as when crossing something out.
    static func zigzag(_ rng: inout SeededGenerator) -> [StrokeSample.Point] {
        let turns = rng.integer(in: 3...8)
        let width = rng.uniform(40, 100), height = rng.uniform(20, 100)
        let tilt = rng.uniform(-0.4, 0.4)
        return (0...turns).map { turn in
            let x = (turn % 2 == 0 ? 0 : width) + rng.uniform(-5, 5)
            let y = height * Double(turn) / Double(turns) + rng.uniform(-4, 4)
            return StrokeSample.Point(x: x + tilt * y, y: y)
        }
    }

    /// A spiral or a run of loops.
    static func coil(_ rng: inout SeededGenerator) -> [StrokeSample.Point] {
        let loops = rng.uniform(1.5, 4), drift = rng.uniform(0, 12), shrink = rng.uniform(0, 0.8)
        let steps = Int(loops * 16)
        return (0...steps).map { step in
            let t = Double(step) / Double(steps)
            let radius = 30 * (1 - shrink * t)
            let angle = 2 * Double.pi * loops * t
            return StrokeSample.Point(x: 50 + drift * loops * t + radius * cos(angle), y: 50 + radius * sin(angle))
        }
    }

    /// A small blot: a tight tangle of points in a few units.
    static func smudge(_ rng: inout SeededGenerator) -> [StrokeSample.Point] {
        let size = rng.uniform(2, 8)
        return (0..<rng.integer(in: 8...20)).map { _ in
            StrokeSample.Point(x: rng.uniform(0, size), y: rng.uniform(0, size * rng.uniform(0.5, 1.5)))
        }
    }
}
