/// A libvips failure, carrying libvips' own message for the call that failed.
public struct VipsError: Error, Sendable, CustomStringConvertible {
    /// The libvips operation that failed, e.g. `vips_jpegload_buffer`.
    public var operation: String
    /// libvips' message, captured for this call alone.
    public var message: String

    public init(operation: String, message: String) {
        self.operation = operation
        self.message = message
    }

    public var description: String { "\(operation): \(message)" }
}
