/// Which characters a trained model tells apart: the 26 letters (case merged, as in EMNIST
/// Letters), or the 10 digits plus a rejection class `not_a_digit` learnt from letters, scribbles
/// and smudges, so a digits model can say that an "l" is not a "1" instead of answering "1".
public enum TrainingClasses: String, Sendable, CaseIterable {
    case letters, digits

    /// The rejection class of the digits model.
    public static let notADigit = "not_a_digit"

    /// Letters a digits model never learns as rejections: an "o" or "O" is drawn exactly like
    /// a "0", so training both ways would only teach the model to hesitate on every zero.
    public static let digitLookalikes: Set<Character> = ["o", "O"]

    /// Class names in output order.
    public var labels: [String] {
        switch self {
        case .letters: EMNISTLetters.labels
        case .digits: (0...9).map(String.init) + [Self.notADigit]
        }
    }

    /// The rejection class's name (nil for letters).
    public var rejectionLabel: String? { self == .digits ? Self.notADigit : nil }

    /// The rejection class's index (nil for letters).
    public var rejectionIndex: Int? { rejectionLabel.flatMap { labels.firstIndex(of: $0) } }

    /// The class of a written character: `a`…`z` (either case) for letters, `0`…`9` for
    /// digits; nil for anything else.
    public func classIndex(of character: Character) -> Int? {
        switch self {
        case .letters:
            return StrokeSample.letterClass(of: character).flatMap { labels.firstIndex(of: String($0)) }
        case .digits:
            guard let ascii = character.asciiValue, (0x30...0x39).contains(ascii) else { return nil }
            return Int(ascii - 0x30)
        }
    }

    /// The rejection class for a character that is a negative example (a letter other than a
    /// digit look-alike, or any other non-digit symbol, for the digits model), else nil.
    /// `lookalikes` replaces the letters left out (default o and O).
    public func rejectionIndex(of character: Character, lookalikes: Set<Character> = digitLookalikes) -> Int? {
        guard let index = rejectionIndex, classIndex(of: character) == nil,
              !lookalikes.contains(character), !character.isWhitespace else { return nil }
        return index
    }

    /// The characters drawn from a font for this class set.
    public var fontCharacters: [Character] {
        switch self {
        case .letters: Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        case .digits: Array("0123456789")
        }
    }

    /// Whether a character is one of `fontCharacters`.
    public func drawsFromFont(_ character: Character) -> Bool {
        switch self {
        case .letters: character.isASCII && character.isLetter
        case .digits: classIndex(of: character) != nil
        }
    }
}
