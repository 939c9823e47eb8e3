/// Why a file could not be read or decoded, with the message of the library that refused it.
public struct ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for callers that map failures to their own codes.
    public enum Kind: Sendable, Equatable {
        /// The file could not be read (permissions, I/O error, it vanished).
        case read
        /// The file is empty.
        case empty
        /// No decoder recognises the file's contents.
        case unsupportedFormat
        /// A decoder recognised the file but it is corrupt or truncated.
        case decode
        /// The image would decode to more pixels than allowed.
        case tooLarge
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
