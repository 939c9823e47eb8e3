import Foundation
import ONNXRuntime
import Testing

/// Runs the ONNX project's backend test data (libonnx-testdata or the onnx wheel): every case whose
/// model loads is run and compared with the stored outputs; the rest are listed with the reason.
/// A case that passed before (Fixtures/conformance_passes.txt) and no longer does fails the test.
@Suite("ONNX backend conformance", .enabled(if: !BackendData.roots.isEmpty, "ONNX backend test data not found: apt-get install libonnx-testdata (or pip install onnx, or set GLYPHPREP_ONNX_TESTDATA)"))
struct ConformanceTests {
    /// The suites issue 23 measured; `GLYPHPREP_CONFORMANCE_SUITES=node,...` runs others (e.g. the per-operator `node` suite).
    static let suites = ProcessInfo.processInfo.environment["GLYPHPREP_CONFORMANCE_SUITES"].map { $0.split(separator: ",").map(String.init) }
        ?? ["pytorch-converted", "pytorch-operator", "simple"]

    enum Outcome: Equatable {
        case pass
        case rejected(String)
        case wrong(String)
        case failed(String)
    }

    static func run(_ dir: URL) -> Outcome {
        let model: ONNXModel
        do {
            model = try ONNXModel(contentsOf: dir.appendingPathComponent("model.onnx"))
        } catch {
            return .rejected("\(error)")
        }
        let sets = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix("test_data_set") }.sorted()
        do {
            for set in sets {
                let setDir = dir.appendingPathComponent(set)
                let inputs = try BackendData.tensors(in: setDir, prefix: "input")
                let expected = try BackendData.tensors(in: setDir, prefix: "output")
                guard inputs.count == model.inputs.count else { return .rejected("\(inputs.count) inputs for \(model.inputs.count) graph inputs") }
                var feed: [String: Tensor] = [:]
                for (info, t) in zip(model.inputs, inputs) { feed[info.name] = t }
                let result = try model.run(feed)
                for (info, want) in zip(model.outputs, expected) {
                    guard let got = result[info.name] else { return .wrong("output \(info.name) missing") }
                    if !allClose(got, want) {
                        let err = zip(got.data, want.data).map { abs($0 - $1) }.max() ?? 0
                        return .wrong("\(set) output \(info.name): shape \(got.shape) vs \(want.shape), max |diff| \(err)")
                    }
                }
            }
        } catch let error as ONNXError {
            if case .invalidInput = error { return .rejected("test data does not fit the declared inputs: \(error)") }
            return .failed("\(error)")
        } catch {
            return .failed("\(error)")
        }
        return .pass
    }

    static let expectedPasses: Set<String> = {
        guard let url = try? Fixtures.directory.appendingPathComponent("conformance_passes.txt"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return Set(text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") })
    }()

    @Test func backendTestData() throws {
        var outcomes: [(String, Outcome)] = []
        for suite in Self.suites {
            for dir in BackendData.cases(suite) { outcomes.append(("\(suite)/\(dir.lastPathComponent)", Self.run(dir))) }
        }
        var passed: [String] = [], lines: [String] = []
        var rejected = 0, wrong = 0, failed = 0
        for (name, outcome) in outcomes {
            switch outcome {
            case .pass: passed.append(name)
            case .rejected(let why): rejected += 1; lines.append("SKIP \(name): \(why)")
            case .wrong(let why): wrong += 1; lines.append("WRONG \(name): \(why)")
            case .failed(let why): failed += 1; lines.append("FAIL \(name): \(why)")
            }
        }
        print(lines.joined(separator: "\n"))
        print("ONNX conformance (\(BackendData.roots.map(\.path).joined(separator: ", "))): \(passed.count) of \(outcomes.count) pass, \(rejected) skipped (rejected at load), \(wrong) wrong, \(failed) failed at run time")
        if let out = ProcessInfo.processInfo.environment["GLYPHPREP_CONFORMANCE_PASSES"] {
            try (passed.joined(separator: "\n") + "\n").write(toFile: out, atomically: true, encoding: .utf8)
        }
        #expect(wrong == 0)
        #expect(failed == 0)
        let lost = Self.expectedPasses.subtracting(passed).filter { name in outcomes.contains { $0.0 == name } }
        #expect(lost.isEmpty, "regressed: \(lost.sorted())")
        #expect(!Self.expectedPasses.isEmpty, "Fixtures/conformance_passes.txt is missing")
    }
}
