import GlyphImaging

extension TextStyle {
    static let title = TextStyle(size: 14, bold: true)
    static let heading = TextStyle(size: 13, bold: true)
    static let body = TextStyle(size: 12)
    static let small = TextStyle(size: 11)
}
