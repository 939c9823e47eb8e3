import Foundation
import XCTest
@testable import GlyphPipeline

final class StageParameterTests: XCTestCase {
    private var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    func testStageReferenceInDocsIsGeneratedFromTheDeclarations() throws {
        let committed = try String(contentsOf: root.appendingPathComponent("docs/stages.md"), encoding: .utf8)
        XCTAssertEqual(committed, PipelineDescription.markdownCatalog() + "\n",
                       "docs/stages.md is stale: run `glyphprep stages --markdown > docs/stages.md`")
    }

    func testDefaultsInTheListingComeFromInit() {
        let blur = BlurStage.parameterDocs
        XCTAssertEqual(blur.map(\.name), ["sigma"])
        XCTAssertEqual(blur.first?.defaultValue, "1")
        XCTAssertEqual(blur.first?.type, "0.1…50")
        let crop = Dictionary(uniqueKeysWithValues: CropToBBoxStage.parameterDocs.map { ($0.name, $0) })
        XCTAssertEqual(crop["min_area"]?.type, "pixels ≥ 1")
        XCTAssertEqual(crop["threshold"]?.defaultValue, "0.5")
        XCTAssertEqual(InvertStage.parameterDocs.first?.type, "auto | always | never")
        XCTAssertEqual(DecodeStage.parameterDocs.first { $0.name == "min_side" }?.defaultValue, "16 × the resize target")
    }

    func testEveryStageDecodesFromNothingToItsDefaults() throws {
        for stage in StageCatalog.imageStages {
            let yaml = "version: 1\nstages:\n  - decode\n  - grayscale\n  - \(stage.name)\n"
            guard stage.name != GrayscaleStage.name else { continue }
            let parsed = try PipelineConfiguration.parse(yaml: yaml)
            XCTAssertEqual(parsed.stages.last.map { type(of: $0).name }, stage.name)
            XCTAssertEqual(parsed.stages.last?.label, stage.init().label, stage.name)
        }
    }

    func testDeclaredRangeIsEnforcedWithTheParameterNamed() {
        let yaml = "version: 1\nstages:\n  - decode\n  - grayscale\n  - deskew: {keep: 3}\n"
        XCTAssertThrowsError(try PipelineConfiguration.parse(yaml: yaml, source: "t.yaml")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("t.yaml:5:"), text)
            XCTAssertTrue(text.contains("keep must be between 0.0 and 2.0, got 3.0"), text)
        }
    }

    func testCrossParameterCheckPointsAtTheParameter() {
        let yaml = "version: 1\nstages:\n  - decode\n  - grayscale\n  - normalize: {paper_percentile: 60, ink_percentile: 40}\n"
        XCTAssertThrowsError(try PipelineConfiguration.parse(yaml: yaml, source: "t.yaml")) { error in
            XCTAssertTrue("\(error)".contains("ink_percentile (40.0) must be above paper_percentile (60.0)"), "\(error)")
        }
    }

    func testWithChangesACopy() {
        let base = ResizeStage()
        let changed = base.with { $0.mode = .squarePad(padding: 2, size: 28) }
        XCTAssertEqual(base.mode, .fit(box: 20))
        XCTAssertEqual(changed.targetSide, 28)
        XCTAssertEqual(changed.outputSide, 28)
    }
}
