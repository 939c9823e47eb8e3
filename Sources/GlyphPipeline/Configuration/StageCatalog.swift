/// Every stage a pipeline can name, in the order `glyphprep stages` lists them.
public enum StageCatalog {
    public static let imageStages: [any PipelineStage.Type] = [
        GrayscaleStage.self,
        InvertStage.self,
        FlattenBackgroundStage.self,
        NormalizeStage.self,
        RemoveRuledLinesStage.self,
        SegmentStage.self,
        SigmoidContrastStage.self,
        CropToBBoxStage.self,
        DeskewStage.self,
        StrokeWidthStage.self,
        BlurStage.self,
        ResizeStage.self,
        PadStage.self,
        CenterOfMassStage.self,
    ]

    /// Every stage, `decode` first and `classify` last.
    public static var all: [any DeclaredStage.Type] { [DecodeStage.self] + imageStages + [ClassifyOptions.self] }

    /// All stage names, including `decode` (first) and `classify` (last).
    public static var names: [String] { all.map { $0.name } }

    static func imageStage(named name: String) -> (any PipelineStage.Type)? {
        imageStages.first { $0.name == name }
    }
}
