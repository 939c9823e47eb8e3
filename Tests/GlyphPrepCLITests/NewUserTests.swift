import Foundation
import XCTest
@testable import GlyphImaging

/// What a new user runs into, on the built binary: errors, help, classify, visual tools, eval.
final class NewUserTests: XCTestCase {
    static let root = CLIEndToEndTests.repositoryRoot

    func glyphprep(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try BuiltBinary.run(arguments, in: Self.root)
    }

    /// A directory with `files` (relative path → PNG of a dark "L" on paper, of the given size).
    func scans(_ files: [String: (Int, Int)]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glyphprep-user-\(UUID().uuidString)")
        for (name, (width, height)) in files {
            var rgb = TestScan.paper(width: width, height: height)
            TestScan.fill(&rgb, width: width, x: width / 3, y: height / 5, w: max(2, width / 20), h: height / 2)
            TestScan.fill(&rgb, width: width, x: width / 3, y: height / 5 + height / 2 - max(2, height / 20), w: width / 4, h: max(2, height / 20))
            let url = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(try ImageEncoder.encode(bytes: rgb, width: width, height: height, bands: 3, as: .png)).write(to: url)
        }
        return directory
    }

    func testErrorsWhileRunningHaveNoUsageText() throws {
        let input = try scans(["a.png": (300, 200)])
        let yaml = input.deletingLastPathComponent().appendingPathComponent("tab-\(UUID().uuidString).yaml")
        try Data("version: 1\nstages:\n\t- decode\n".utf8).write(to: yaml)
        let bad = try glyphprep(["run", yaml.path, input.path, "-o", input.path + "-out"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("has a tab"), bad.stderr)
        XCTAssertFalse(bad.stderr.contains("Usage:"), bad.stderr)
        let missing = try glyphprep(["run", "pipelines/mnist.yaml", input.path + "-nowhere", "-o", input.path + "-out"])
        XCTAssertEqual(missing.status, 64)
        XCTAssertFalse(missing.stderr.contains("Usage:"), missing.stderr)
        XCTAssertTrue(try glyphprep(["run", "pipelines/mnist.yaml"]).stderr.contains("Usage:"), "a usage mistake still shows usage")
        let directory = try glyphprep(["validate", "pipelines"])
        XCTAssertEqual(directory.status, 64)
        XCTAssertTrue(directory.stderr.contains("pipelines: is a directory; give a pipeline file"), directory.stderr)
    }

    func testEverySubcommandHelpShowsAnExample() throws {
        for command in ["run", "merge", "validate", "stages", "preview", "sheet", "report", "synth", "classify", "train", "eval"] {
            let help = try glyphprep([command, "--help"])
            XCTAssertTrue(help.stdout.contains("glyphprep \(command) "), "\(command) --help shows an example:\n\(help.stdout)")
        }
    }

    func testClassifyJudgesEachImageOnItsOwn() throws {
        let images = try scans(["small.png": (28, 28), "big.png": (120, 90)])
        let result = try glyphprep(["classify", "letters", images.path + "/big.png", images.path + "/small.png", images.path])
        XCTAssertEqual(result.status, 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, result.stdout)
        XCTAssertTrue(lines[0].contains("big.png\",\"status\":\"error\""), lines[0])
        XCTAssertTrue(lines[0].contains("120×90") && lines[0].contains("--pipeline"), lines[0])
        XCTAssertTrue(lines[1].contains("small.png\",\"status\":\"ok\""), lines[1])
        XCTAssertTrue(lines[2].contains("is a directory"), lines[2])
        let raw = try glyphprep(["classify", "--pipeline", "pipelines/emnist.yaml", images.path + "/big.png"])
        XCTAssertEqual(raw.status, 0, raw.stderr)
        XCTAssertTrue(raw.stdout.contains("\"prediction\":"), raw.stdout)
    }

    func testValidateRefusesAPipelineThatFailsOnEveryInput() throws {
        let yaml = FileManager.default.temporaryDirectory.appendingPathComponent("box40-\(UUID().uuidString).yaml")
        try Data("version: 1\nstages: [decode, grayscale, invert, normalize, crop_to_bbox, {resize: {box: 40}}, {pad: {size: 28}}]\n".utf8).write(to: yaml)
        let result = try glyphprep(["validate", yaml.path])
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("would fail on every input"), result.stderr)
        let good = try glyphprep(["validate", "pipelines/emnist.yaml"])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertTrue(good.stdout.contains("dry run: a 1600×1200 scan of one letter → 28×28"), good.stdout)
    }

    func testVisualToolsNameTheProblem() throws {
        let input = try scans(["a/x.png": (300, 200), "b/y.png": (300, 200)])
        let output = input.path + "-out"
        XCTAssertEqual(try glyphprep(["run", "pipelines/mnist.yaml", input.path, "-o", output, "--no-progress"]).status, 0)
        let sheet = try glyphprep(["sheet", output, "-o", output + "/sheet.png", "--filter", "input~nothing-like-this"])
        XCTAssertEqual(sheet.status, 64)
        XCTAssertTrue(sheet.stderr.contains("matches"), sheet.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output + "/sheet.png"))
        let preview = try glyphprep(["preview", "pipelines/mnist.yaml", input.path, "-o", output + "/p.png"])
        XCTAssertEqual(preview.status, 64)
        XCTAssertTrue(preview.stderr.contains("is a directory"), preview.stderr)
    }

    func testEvalChecksLabelsBeforeRunning() throws {
        let digits = try scans(["7/x.png": (300, 200), "a/y.png": (300, 200)])
        let result = try glyphprep(["eval", "pipelines/emnist.yaml", digits.path])
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("'7' (1 files)"), result.stderr)
        XCTAssertFalse(result.stderr.contains("glyphprep: 2 files"), "nothing ran: \(result.stderr)")
        let unlabelled = try scans(["x.png": (300, 200)])
        let none = try glyphprep(["eval", "pipelines/emnist.yaml", unlabelled.path])
        XCTAssertEqual(none.status, 64)
        XCTAssertTrue(none.stderr.contains("no image file"), none.stderr)
    }
}
