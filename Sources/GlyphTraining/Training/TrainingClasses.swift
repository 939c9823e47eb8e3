/// Which characters a trained model tells apart: the 26 letters (case merged, as in EMNIST
/// Letters), the same with a rejection class `not_a_letter` learnt from digits, symbols,
/// scribbles and smudges, or the 10 digits plus a rejection class `not_a_digit` learnt from
/// letters, scribbles and smudges — so a model can say that a "7" is not a "j" (or an "l" not
/// a "1") instead of answering anyway.
public enum TrainingClasses: String, Sendable, CaseIterable {
    case letters, digits
    /// The 26 letters and `not_a_letter` (`train --classes letters` with negative examples).
    case lettersOrNot = "letters-or-not"

    /// The rejection class of the digits model.
    public static let notADigit = "not_a_digit"
    /// The rejection class of a letters model trained with negative examples.
    public static let notALetter = "not_a_letter"

    /// Letters a digits model never learns as rejections: an "o" or "O" is drawn exactly like
    /// a "0", so training both ways would only teach the model to hesitate on every zero.
    public static let digitLookalikes: Set<Character> = ["o", "O"]

    /// Digits a letters model never learns as rejections, because writers draw them like a
    /// letter: a 0 is an o. The UJI writers' 1s carry a flag and are no l (models/README.md,
    /// `lookalikes-shipped-letters-on-digit-scans.log`), so they are negative examples.
    public static let letterLookalikes: Set<Character> = ["0"]

    /// Digits and symbols drawn from the training fonts as negative examples of a letters
    /// model (look-alikes are skipped when rendering).
    public static let fontSymbols: [Character] = Array("0123456789&%#@+=?!$*/<>{}[]()")

    /// Class names in output order.
    public var labels: [String] {
        switch self {
        case .letters: EMNISTLetters.labels
        case .lettersOrNot: EMNISTLetters.labels + [Self.notALetter]
        case .digits: (0...9).map(String.init) + [Self.notADigit]
        }
    }

    /// The class set whose negative examples are `self`'s look-alikes by default.
    public var defaultLookalikes: Set<Character> {
        self == .digits ? Self.digitLookalikes : Self.letterLookalikes
    }

    /// Whether the model's classes are letters (with or without the rejection class).
    public var isLetters: Bool { self != .digits }

    /// What the samples of the classes are called in messages: letters or digits.
    public var sampleName: String { isLetters ? "letters" : "digits" }

    /// The rejection class's name (nil for plain letters).
    public var rejectionLabel: String? {
        switch self {
        case .letters: nil
        case .lettersOrNot: Self.notALetter
        case .digits: Self.notADigit
        }
    }

    /// The rejection class's index (nil for plain letters).
    public var rejectionIndex: Int? { rejectionLabel.flatMap { labels.firstIndex(of: $0) } }

    /// The class of a written character: `a`…`z` (either case) for letters, `0`…`9` for
    /// digits; nil for anything else.
    public func classIndex(of character: Character) -> Int? {
        switch self {
        case .letters, .lettersOrNot:
            return StrokeSample.letterClass(of: character).flatMap { labels.firstIndex(of: String($0)) }
        case .digits:
            guard let ascii = character.asciiValue, (0x30...0x39).contains(ascii) else { return nil }
            return Int(ascii - 0x30)
        }
    }

    /// The rejection class for a character that is a negative example (for digits a letter other
    /// than a look-alike, for letters a digit other than a look-alike, or any other symbol), else
    /// nil. `lookalikes` replaces the characters left out (default `defaultLookalikes`).
    public func rejectionIndex(of character: Character, lookalikes: Set<Character>? = nil) -> Int? {
        guard let index = rejectionIndex, classIndex(of: character) == nil,
              !(lookalikes ?? defaultLookalikes).contains(character), !character.isWhitespace else { return nil }
        return index
    }

    /// The characters drawn from a font for this class set.
    public var fontCharacters: [Character] {
        switch self {
        case .letters, .lettersOrNot: Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        case .digits: Array("0123456789")
        }
    }

    /// Whether a character is one of `fontCharacters`.
    public func drawsFromFont(_ character: Character) -> Bool {
        switch self {
        case .letters, .lettersOrNot: character.isASCII && character.isLetter
        case .digits: classIndex(of: character) != nil
        }
    }
}
