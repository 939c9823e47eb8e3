/// GlyphPrep's version, recorded in manifests and model metadata.
public enum GlyphPrepVersion {
    public static let string = "0.1.0"
}
