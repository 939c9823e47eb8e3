import Foundation
import XCTest
@testable import GlyphPipeline
import GlyphTestSupport

final class PipelineConfigurationTests: XCTestCase {
    func parseError(_ yaml: String) -> PipelineError? {
        do {
            _ = try PipelineConfiguration.parse(yaml: yaml, source: "test.yaml")
            XCTFail("expected an error")
            return nil
        } catch {
            return error
        }
    }

    func testShippedPipelinesAreValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for name in ["emnist", "mnist", "sigmoid"] {
            let pipeline = try Pipeline(contentsOf: root.appendingPathComponent("pipelines/\(name).yaml"))
            XCTAssertEqual(pipeline.name, name)
            XCTAssertEqual(pipeline.targetSide, 28)
        }
    }

    func testParsesStagesWithDefaults() throws {
        let config = try PipelineConfiguration.parse(yaml: """
            version: 1
            name: demo
            stages:
              - decode
              - grayscale
              - sigmoid_contrast: {gain: 10}
              - crop_to_bbox: {threshold: otsu}
              - deskew: {max_shear: 0.4, keep: 0.15}
              - stroke_width: {target: 0.1, mode: thicken}
              - resize: {square_pad: 2}
            """)
        XCTAssertEqual(config.name, "demo")
        XCTAssertEqual(config.stages.count, 6)
        let sigmoid = try XCTUnwrap(config.stages[1] as? SigmoidContrastStage)
        XCTAssertEqual(sigmoid.gain, 10)
        XCTAssertEqual(sigmoid.midpoint, 0.5)
        XCTAssertEqual((config.stages[2] as? CropToBBoxStage)?.threshold, .otsu)
        let deskew = try XCTUnwrap(config.stages[3] as? DeskewStage)
        XCTAssertEqual(deskew.maxShear, 0.4)
        XCTAssertEqual(deskew.threshold, 0.35)
        XCTAssertEqual(deskew.keep, 0.15)
        let strokes = try XCTUnwrap(config.stages[4] as? StrokeWidthStage)
        XCTAssertEqual(strokes.target, 0.1)
        XCTAssertEqual(strokes.mode, .thicken)
        XCTAssertEqual((config.stages[5] as? ResizeStage)?.mode, .squarePad(padding: 2, size: 28))
        XCTAssertEqual(config.decode.maxPixels, 100_000_000)
    }

    func testUnknownStageSuggestsNearestName() {
        let error = parseError("""
            version: 1
            stages:
              - decode
              - grayscale
              - sigmoid_contrst: {gain: 10}
            """)
        XCTAssertEqual(error?.line, 5)
        XCTAssertEqual(error?.column, 5, "the unknown name, not its parameters")
        XCTAssertTrue(error?.message.contains("unknown stage 'sigmoid_contrst'") == true, error?.message ?? "")
        XCTAssertTrue(error?.message.contains("Did you mean 'sigmoid_contrast'?") == true, error?.message ?? "")
        XCTAssertTrue(error?.message.contains("center_of_mass") == true, "lists the valid stages")
        XCTAssertTrue(error?.description.hasPrefix("test.yaml:5:5:") == true, error?.description ?? "")
    }

    func testWrongTypeNamesParameterAndPlace() {
        let error = parseError("""
            version: 1
            stages:
              - decode
              - grayscale
              - blur:
                  sigma: lots
            """)
        XCTAssertEqual(error?.line, 6)
        XCTAssertEqual(error?.column, 14)
        XCTAssertEqual(error?.message, "'sigma' must be a number")
    }

    func testOutOfRangeValueSaysWhy() {
        let error = parseError("""
            version: 1
            stages:
              - decode
              - grayscale
              - sigmoid_contrast: {midpoint: 1.5}
            """)
        XCTAssertEqual(error?.line, 5)
        XCTAssertEqual(error?.message, "midpoint must be between 0.0 and 1.0, got 1.5")
    }

    func testUnknownParameterAndOrderingErrors() {
        let unknown = parseError("""
            version: 1
            stages:
              - decode
              - grayscale
              - resize: {boxx: 20}
            """)
        XCTAssertTrue(unknown?.message.contains("unknown parameter 'boxx' for resize") == true, unknown?.message ?? "")
        XCTAssertTrue(unknown?.message.contains("Did you mean 'box'?") == true)
        XCTAssertEqual(unknown?.line, 5)

        let noGray = parseError("""
            version: 1
            stages:
              - decode
              - invert
            """)
        XCTAssertTrue(noGray?.message.contains("add '- grayscale' before it") == true, noGray?.message ?? "")
        XCTAssertEqual(noGray?.line, 4)

        let noDecode = parseError("""
            version: 1
            stages:
              - grayscale
            """)
        XCTAssertEqual(noDecode?.message, "the first stage must be 'decode'")

        let badVersion = parseError("version: 2\nstages: [decode, grayscale]\n")
        XCTAssertTrue(badVersion?.message.contains("unsupported pipeline version 2") == true)
        XCTAssertEqual(badVersion?.line, 1)

        let missing = parseError("name: x\nstages: [decode, grayscale]\n")
        XCTAssertEqual(missing?.message, "missing required key 'version'")
    }

    func testInvalidYAMLReportsPosition() {
        let error = parseError("version: 1\nstages: [decode, grayscale\n")
        XCTAssertNotNil(error?.line)
        XCTAssertTrue(error?.message.hasPrefix("invalid YAML") == true, error?.message ?? "")
    }
}

/// What `validate` and the parser tell a user about a whole file.
final class PipelineFileDiagnosticsTests: XCTestCase {
    func testEveryProblemOfAFileAtOnceWithColumnsAtTheKey() {
        let yaml = """
            version: 1
            stages:
              - decode
              - grayscale
              - resize: {box: 20, bogus: 1}
              - pad: {size: 28}
              - blurr
            """
        do {
            _ = try PipelineConfiguration.parse(yaml: yaml, source: "p.yaml")
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.line, 5)
            XCTAssertEqual(error.column, 23, "at 'bogus', not at its value")
            XCTAssertEqual(error.others.map(\.line), [7])
            XCTAssertEqual(error.others.first?.column, 5)
            XCTAssertEqual(error.description.split(separator: "\n").count, 2, error.description)
        }
    }

    func testTabIndentationIsNamed() {
        do {
            _ = try PipelineConfiguration.parse(yaml: "version: 1\nstages:\n\t- decode\n", source: "p.yaml")
            XCTFail("expected an error")
        } catch {
            XCTAssertTrue(error.message.contains("line 3 has a tab: YAML indents with spaces only"), error.message)
        }
    }

    func testDryRunFindsAPipelineThatFailsOnEveryInput() throws {
        let broken = Pipeline(configuration: try PipelineConfiguration.parse(yaml: """
            version: 1
            stages: [decode, grayscale, invert, normalize, crop_to_bbox, {resize: {box: 40}}, {pad: {size: 28}}]
            """))
        let failures = try XCTUnwrap(PipelineDryRun(broken).failureOnEveryInput)
        XCTAssertEqual(failures.count, 2)
        XCTAssertTrue(failures[0].hasPrefix("stage 7 'pad' fails"), failures[0])

        let good = Pipeline(configuration: try PipelineConfiguration.parse(yaml: TestImages.pipelineYAML))
        let dryRun = PipelineDryRun(good)
        XCTAssertNil(dryRun.failureOnEveryInput)
        XCTAssertEqual(dryRun.outputSizes.map { [$0.width, $0.height] }, [[28, 28], [28, 28]])
        XCTAssertEqual(dryRun.trials[0].steps.map(\.stage).prefix(2), ["decode", "grayscale"])
    }

    func testOutputSizeThatFollowsTheInputIsSaidSo() throws {
        let pipeline = Pipeline(configuration: try PipelineConfiguration.parse(yaml: "version: 1\nstages: [decode, grayscale, invert, normalize, crop_to_bbox]\n"))
        XCTAssertNil(pipeline.fixedSide)
        let text = PipelineDescription.describe(pipeline, dryRun: PipelineDryRun(pipeline))
        XCTAssertTrue(text.contains("valid, 5 stages"), text)
        XCTAssertTrue(text.contains("size follows the input"), text)
        XCTAssertFalse(text.contains("28×28"), text)
        XCTAssertTrue(text.contains("dry run: a 1600×1200 scan of one letter → "), text)
    }
}
