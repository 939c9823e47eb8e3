import ArgumentParser
import Foundation
import XCTest
@testable import glyphprep
@testable import GlyphPipeline
@testable import GlyphImaging

final class CLIParsingTests: XCTestCase {
    func testParsesRunWithSharedOptions() throws {
        let command = try GlyphPrepCommand.parseAsRoot(["run", "p.yaml", "scans", "-o", "out", "--jobs", "3", "--no-progress"])
        let run = try XCTUnwrap(command as? GlyphPrepCommand.Run)
        XCTAssertEqual(run.pipelineFile.pipeline, "p.yaml")
        XCTAssertEqual(run.input, "scans")
        XCTAssertEqual(run.runOptions.output, "out")
        XCTAssertEqual(run.runOptions.jobs, 3)
        XCTAssertFalse(run.runOptions.progress)
    }

    func testRejectsBadArguments() {
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(["run", "p.yaml", "scans"]), "missing --output")
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(["run", "p.yaml", "scans", "-o", "o", "--jobs", "0"]))
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(["frobnicate"]))
    }
}

/// Runs the built `glyphprep` binary, as a user would.
final class CLIEndToEndTests: XCTestCase {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @discardableResult
    func glyphprep(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try BuiltBinary.run(arguments)
    }

    func letterScan(width: Int = 900, height: Int = 700) -> [UInt8] {
        // Dark strokes of an "L" on light paper.
        var rgb = TestScan.paper(width: width, height: height)
        TestScan.fill(&rgb, width: width, x: 300, y: 150, w: 40, h: 300)
        TestScan.fill(&rgb, width: width, x: 300, y: 410, w: 200, h: 40)
        return rgb
    }

    func testRunOverGoodAndBadFiles() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glyphprep-cli-\(UUID().uuidString)")
        let input = root.appendingPathComponent("scans")
        try FileManager.default.createDirectory(at: input.appendingPathComponent("nested"), withIntermediateDirectories: true)
        let scan = letterScan()
        try Data(try ImageEncoder.encode(bytes: scan, width: 900, height: 700, bands: 3, as: .jpeg)).write(to: input.appendingPathComponent("good.jpg"))
        try Data(try ImageEncoder.encode(bytes: scan, width: 900, height: 700, bands: 3, as: .png)).write(to: input.appendingPathComponent("nested/good.png"))
        let jpeg = try ImageEncoder.encode(bytes: scan, width: 900, height: 700, bands: 3, as: .jpeg)
        try Data(jpeg.prefix(jpeg.count / 3)).write(to: input.appendingPathComponent("truncated.jpg"))
        try Data().write(to: input.appendingPathComponent("zero.jpg"))
        try Data("just some text\n".utf8).write(to: input.appendingPathComponent("text.png"))
        try Data(try ImageEncoder.encode(bytes: TestScan.paper(width: 400, height: 300), width: 400, height: 300, bands: 3, as: .png))
            .write(to: input.appendingPathComponent("blank.png"))
        let unreadable = input.appendingPathComponent("unreadable.png")
        try Data(try ImageEncoder.encode(bytes: scan, width: 900, height: 700, bands: 3, as: .png)).write(to: unreadable)
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: unreadable.path)
        let runningAsRoot = getuid() == 0

        // An image over max_pixels, through a pipeline with a small limit.
        try Data(try ImageEncoder.encode(bytes: TestScan.paper(width: 3000, height: 2000), width: 3000, height: 2000, bands: 3, as: .png))
            .write(to: input.appendingPathComponent("huge.png"))
        let pipelineText = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("pipelines/mnist.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "max_pixels: 100000000", with: "max_pixels: 5000000")
        let pipeline = root.appendingPathComponent("limited.yaml")
        try pipelineText.write(to: pipeline, atomically: true, encoding: .utf8)
        let inputBefore = try snapshot(input)

        let output = root.appendingPathComponent("out")
        let result = try glyphprep(["run", pipeline.path, input.path, "-o", output.path, "--jobs", "2"])
        XCTAssertEqual(result.status, 1, "some files failed: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("8 files, \(runningAsRoot ? 3 : 2) ok"), result.stderr)

        let lines = try String(contentsOf: output.appendingPathComponent("manifest.jsonl"), encoding: .utf8).split(separator: "\n")
        var byInput: [String: [String: Any]] = [:]
        for line in lines {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            byInput[try XCTUnwrap(object["input"] as? String)] = object
        }
        XCTAssertEqual(byInput.count, 8, "every file has a line")
        func code(_ name: String) -> String? { (byInput[name]?["error"] as? [String: Any])?["code"] as? String }
        XCTAssertEqual(byInput["good.jpg"]?["status"] as? String, "ok")
        XCTAssertEqual(byInput["nested/good.png"]?["status"] as? String, "ok")
        XCTAssertEqual(code("truncated.jpg"), "decode_error")
        XCTAssertEqual(code("zero.jpg"), "empty_file")
        XCTAssertEqual(code("text.png"), "unsupported_format")
        XCTAssertEqual(code("blank.png"), "no_ink")
        XCTAssertEqual(code("huge.png"), "too_large")
        if !runningAsRoot { XCTAssertEqual(code("unreadable.png"), "read_error") }

        // The good outputs are 28×28 grayscale letters whose ink box matches the drawing.
        let (image, _) = try DecodeStage().decode([UInt8](try Data(contentsOf: output.appendingPathComponent("good.png"))))
        XCTAssertEqual(image.width, 28)
        XCTAssertEqual(image.channels, 1)
        XCTAssertGreaterThan(image.pixels.max() ?? 0, 200)
        let bbox = try XCTUnwrap(byInput["nested/good.png"]?["bbox"] as? [String: Int])
        XCTAssertEqual(bbox["x"] ?? 0, 300, accuracy: 2)
        XCTAssertEqual(bbox["height"] ?? 0, 300, accuracy: 2)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("nested/good.png").path))
        XCTAssertEqual(try snapshot(input), inputBefore, "inputs are never modified")
    }

    /// `-o name.png` (a bare file name) writes into the working directory, for every command
    /// that writes one file.
    func testBareOutputFileNamesWriteIntoTheWorkingDirectory() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glyphprep-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let scans = root.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: scans, withIntermediateDirectories: true)
        let scan = scans.appendingPathComponent("letter.png")
        try Data(try ImageEncoder.encode(bytes: letterScan(), width: 900, height: 700, bands: 3, as: .png)).write(to: scan)
        let pipeline = Self.repositoryRoot.appendingPathComponent("pipelines/mnist.yaml").path
        let preview = try BuiltBinary.run(["preview", pipeline, scan.path, "-o", "preview.png"], in: root)
        XCTAssertEqual(preview.status, 0, preview.stderr)
        let run = try BuiltBinary.run(["run", pipeline, "in", "-o", "out"], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        let sheet = try BuiltBinary.run(["sheet", "out", "-o", "sheet.png"], in: root)
        XCTAssertEqual(sheet.status, 0, sheet.stderr)
        let report = try BuiltBinary.run(["report", "out", "-o", "report.html"], in: root)
        XCTAssertEqual(report.status, 0, report.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        XCTAssertEqual(names, ["in", "out", "preview.png", "report.html", "sheet.png"], "no temporary files left")

        // An output folder that cannot be made is reported as path: reason, not as an NSError dump.
        let blocked = try BuiltBinary.run(["preview", pipeline, scan.path, "-o", "sheet.png/inside.png"], in: root)
        XCTAssertEqual(blocked.status, 64)
        XCTAssertFalse(blocked.stderr.contains("NSCocoaErrorDomain"), blocked.stderr)
        XCTAssertTrue(blocked.stderr.hasPrefix("Error: "), blocked.stderr)
        XCTAssertTrue(blocked.stderr.contains("sheet.png"), blocked.stderr)
    }

    func testUsageAndPipelineErrorsExit64() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glyphprep-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let bad = root.appendingPathComponent("bad.yaml")
        try "version: 1\nstages:\n  - decode\n  - grayscale\n  - blurr: {sigma: 1}\n".write(to: bad, atomically: true, encoding: .utf8)
        let validate = try glyphprep(["validate", bad.path])
        XCTAssertEqual(validate.status, 64)
        XCTAssertTrue(validate.stderr.contains("bad.yaml:5:"), validate.stderr)
        XCTAssertTrue(validate.stderr.contains("Did you mean 'blur'?"), validate.stderr)

        let good = try glyphprep(["validate", Self.repositoryRoot.appendingPathComponent("pipelines/emnist.yaml").path])
        XCTAssertEqual(good.status, 0)
        XCTAssertTrue(good.stdout.contains("emnist: valid"), good.stdout)

        let inside = try glyphprep(["run", Self.repositoryRoot.appendingPathComponent("pipelines/emnist.yaml").path, root.path, "-o", root.path + "/out"])
        XCTAssertEqual(inside.status, 64)
        XCTAssertTrue(inside.stderr.contains("inside the input directory"), inside.stderr)

        let stages = try glyphprep(["stages"])
        XCTAssertEqual(stages.status, 0)
        for name in ["decode", "grayscale", "invert", "normalize", "sigmoid_contrast", "crop_to_bbox", "blur", "resize", "pad", "center_of_mass"] {
            XCTAssertTrue(stages.stdout.contains("\(name):"), name)
        }
    }

    func testCtrlCStopsCleanlyWithAValidManifest() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glyphprep-int-\(UUID().uuidString)")
        let input = root.appendingPathComponent("scans")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let scan = try ImageEncoder.encode(bytes: letterScan(), width: 900, height: 700, bands: 3, as: .png)
        for index in 0..<400 { try Data(scan).write(to: input.appendingPathComponent(String(format: "s%03d.png", index))) }
        let output = root.appendingPathComponent("out")
        let process = try BuiltBinary.start(["run", Self.repositoryRoot.appendingPathComponent("pipelines/mnist.yaml").path,
                                             input.path, "-o", output.path, "--jobs", "1", "--no-progress"])
        // Interrupt once the first round of files is in the manifest.
        let partial = output.appendingPathComponent(".manifest.jsonl.partial").path
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, ((try? FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int) ?? 0) == 0 {
            usleep(20_000)
        }
        process.interrupt()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        let lines = try String(contentsOf: output.appendingPathComponent("manifest.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 0)
        XCTAssertLessThan(lines.count, 400, "stopped early")
        for (index, line) in lines.enumerated() {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["input"] as? String, String(format: "s%03d.png", index), "in input order, no gaps")
            XCTAssertEqual(object["status"] as? String, "ok")
            XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent(String(format: "s%03d.png", index)).path))
        }
    }

    /// Every file's path and bytes.
    func snapshot(_ directory: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        while let relative = enumerator?.nextObject() as? String {
            let path = directory.path + "/" + relative
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            if !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: path) {
                files[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return files
    }
}

/// Packed RGB test scans.
enum TestScan {
    static func paper(width: Int, height: Int) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            rgb[3 * i] = 238
            rgb[3 * i + 1] = 232
            rgb[3 * i + 2] = 220
        }
        return rgb
    }

    static func fill(_ rgb: inout [UInt8], width: Int, x: Int, y: Int, w: Int, h: Int) {
        for row in y..<(y + h) {
            for column in x..<(x + w) {
                let i = (row * width + column) * 3
                rgb[i] = 25
                rgb[i + 1] = 25
                rgb[i + 2] = 70
            }
        }
    }
}

final class VisualizationCLITests: XCTestCase {
    func testParsesPreviewSheetAndReport() throws {
        let preview = try XCTUnwrap(try GlyphPrepCommand.parseAsRoot(["preview", "p.yaml", "a.jpg", "b.png", "-o", "x.png"]) as? GlyphPrepCommand.Preview)
        XCTAssertEqual(preview.images, ["a.jpg", "b.png"])
        let sheet = try XCTUnwrap(try GlyphPrepCommand.parseAsRoot(["sheet", "out", "-o", "s.png", "--sort", "confidence",
                                                                   "--filter", "label=a", "--filter", "confidence<0.5", "--limit", "5"]) as? GlyphPrepCommand.Sheet)
        XCTAssertEqual(try sheet.query(), RecordQuery(filters: [.label("a"), .confidenceBelow(0.5)], order: .confidence, limit: 5))
        let report = try XCTUnwrap(try GlyphPrepCommand.parseAsRoot(["report", "out", "-o", "r.html", "--labels", "l.csv"]) as? GlyphPrepCommand.Report)
        XCTAssertEqual(report.labels, "l.csv")
    }

    func testParsesModelOptionsAndRejectsBadFilters() throws {
        let preview = try XCTUnwrap(try GlyphPrepCommand.parseAsRoot(
            ["preview", "p.yaml", "a.jpg", "-o", "x.png", "--model", "m.onnx", "--activations"]) as? GlyphPrepCommand.Preview)
        XCTAssertEqual(preview.model, "m.onnx")
        XCTAssertTrue(preview.activations)
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(["preview", "p.yaml", "-o", "x.png"]))
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(["sheet", "out", "-o", "s.png", "--filter", "colour=red"]))
        XCTAssertThrowsError(try GlyphPrepCommand.parseAsRoot(["sheet", "out", "-o", "s.png", "--sort", "size"]))
    }
}

final class HelpAndValidateTests: XCTestCase {
    func testRunHelpStatesEachDefaultOnce() {
        let help = GlyphPrepCommand.Run.helpMessage(columns: 1000)
        XCTAssertTrue(help.contains("default: the number of cores"), help)
        XCTAssertTrue(help.contains("default: when standard error is a terminal"), help)
        XCTAssertFalse(help.contains("(default: --no-progress)") || help.contains("(default: --progress)"), help)
        XCTAssertFalse(help.contains("cores). (default:"), help)
    }

    func testValidateCountsEveryStageItLists() throws {
        let yaml = "version: 1\nstages:\n  - decode\n  - grayscale\n  - pad: {size: 28}\n  - classify: {model: m.onnx}\n"
        let pipeline = Pipeline(configuration: try PipelineConfiguration.parse(yaml: yaml))
        let lines = PipelineDescription.describe(pipeline).split(separator: "\n")
        XCTAssertEqual(lines.first, "pipeline: valid, 4 stages")
        XCTAssertEqual(lines.filter { $0.hasPrefix("  ") && $0.dropFirst(2).first?.isNumber == true }.count, 4)
    }
}

final class RunEdgeCaseTests: XCTestCase {
    func testShardIndexOutOfRangeIsAUsageError() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glyphprep-shard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("in"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let pipeline = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("pipelines/mnist.yaml").path
        let bad = try BuiltBinary.run(["run", pipeline, "in", "-o", "out", "--shard", "3/3", "--no-progress"], in: root)
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("between 0 and 2"), bad.stderr)

        let empty = try BuiltBinary.run(["run", pipeline, "in", "-o", "out", "--no-progress"], in: root)
        XCTAssertEqual(empty.status, 0, empty.stderr)
        XCTAssertTrue(empty.stderr.contains("warning: no image files under in"), empty.stderr)
    }
}

/// Pages of letters through the built binary: page-eval renders them, `run` with page.yaml
/// splits them, emnist.yaml withholds its prediction.
final class PageCLITests: XCTestCase {
    func testRenderedPagesRunThroughPageAndSingleLetterPipelines() throws {
        let root = CLIEndToEndTests.repositoryRoot
        let strokes = try TestImagesDirectory.make()
        let unipen = ".SEGMENT CHARACTER 0 ? \"a\"\n.PEN_DOWN\n 10 20\n 30 40\n 50 20\n 30 0\n 10 20\n.PEN_UP\n"
            + ".SEGMENT CHARACTER 1 ? \"H\"\n.PEN_DOWN\n 0 0\n 0 100\n.PEN_UP\n.PEN_DOWN\n 0 50\n 60 50\n.PEN_UP\n.PEN_DOWN\n 60 0\n 60 100\n.PEN_UP\n"
        try Data(unipen.utf8).write(to: strokes.appendingPathComponent("UJIpenchars-w01"))
        let pages = strokes.appendingPathComponent("pages")
        let eval = try BuiltBinary.run(["page-eval", "--strokes", strokes.path, "--pages", "3", "--write", pages.path,
                                        "--page-pipeline", root.appendingPathComponent("pipelines/page.yaml").path,
                                        "--single-pipeline", root.appendingPathComponent("pipelines/emnist.yaml").path])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(eval.stdout.contains("recall"), eval.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: pages.appendingPathComponent("truth.jsonl").path))
        try FileManager.default.removeItem(at: pages.appendingPathComponent("truth.jsonl"))

        let output = strokes.appendingPathComponent("out")
        let run = try BuiltBinary.run(["run", root.appendingPathComponent("pipelines/page.yaml").path, pages.path, "-o", output.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertFalse(run.stderr.contains("warning"), "page.yaml matches the model's pipeline: \(run.stderr)")
        let manifest = try String(contentsOf: output.appendingPathComponent("manifest.jsonl"), encoding: .utf8).split(separator: "\n")
        let objects = try manifest.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertGreaterThan(objects.count, 9, "one line per glyph")
        XCTAssertTrue(objects.allSatisfy { $0["glyph"] is Int && $0["bbox"] is [String: Int] && $0["top"] is [Any] })
        // Every glyph is classified: a letter, or (calibrated letters.onnx) withheld with its reason.
        for object in objects where !(object["prediction"] is String) {
            XCTAssertTrue(object["prediction"] is NSNull, "\(object)")
            XCTAssertTrue(["low_confidence", "not_a_letter"].contains(object["reason"] as? String ?? ""), "\(object)")
        }
        XCTAssertTrue(objects.contains { $0["prediction"] is String }, "most glyphs are answered")
        let text = try String(contentsOf: output.appendingPathComponent("pages.jsonl"), encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, 3)

        let firstPage = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: pages.path).sorted().first)
        let overlay = strokes.appendingPathComponent("overlay.png")
        let preview = try BuiltBinary.run(["preview", root.appendingPathComponent("pipelines/page.yaml").path,
                                           pages.appendingPathComponent(firstPage).path, "-o", overlay.path])
        XCTAssertEqual(preview.status, 0, preview.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: overlay.path))

        let single = strokes.appendingPathComponent("single")
        let emnist = try BuiltBinary.run(["run", root.appendingPathComponent("pipelines/emnist.yaml").path, pages.path, "-o", single.path])
        XCTAssertEqual(emnist.status, 0, emnist.stderr)
        let lines = try String(contentsOf: single.appendingPathComponent("manifest.jsonl"), encoding: .utf8).split(separator: "\n")
        for line in lines {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["status"] as? String, "ok")
            XCTAssertTrue(object["prediction"] is NSNull, "\(line)")
            XCTAssertEqual(object["reason"] as? String, "several_glyphs")
            XCTAssertNotNil(object["top"])
        }
    }
}

private enum TestImagesDirectory {
    static func make() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glyphprep-pages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
