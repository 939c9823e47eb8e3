import Foundation
import ONNXRuntime
import Testing

/// One named tensor in a fixture JSON file.
struct FixtureTensor: Decodable {
    let name: String
    let shape: [Int]
    let data: [Float]

    var tensor: Tensor {
        get throws { try Tensor(shape: shape, data: data) }
    }
}

/// Inputs and onnxruntime reference outputs written by make_fixtures.py.
struct FixtureCase: Decodable {
    let inputs: [FixtureTensor]
    let outputs: [FixtureTensor]
}

enum Fixtures {
    static var directory: URL {
        get throws {
            guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
                throw FixtureError("Fixtures directory missing from the test bundle")
            }
            return url
        }
    }

    /// Names of all model fixtures (NAME.onnx with NAME.json).
    static let names: [String] = {
        guard let dir = try? directory,
              let files = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }()

    static func modelURL(_ name: String) throws -> URL {
        try directory.appendingPathComponent(name + ".onnx")
    }

    static func model(_ name: String) throws -> ONNXModel {
        try ONNXModel(contentsOf: modelURL(name))
    }

    static func testCase(_ name: String) throws -> FixtureCase {
        let data = try Data(contentsOf: directory.appendingPathComponent(name + ".json"))
        return try JSONDecoder().decode(FixtureCase.self, from: data)
    }

    static func feeds(_ c: FixtureCase) throws -> [String: Tensor] {
        var feeds: [String: Tensor] = [:]
        for input in c.inputs { feeds[input.name] = try input.tensor }
        return feeds
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Largest deviation |a-b| / max(1, |b|) between two equally long arrays.
func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { m, p in max(m, abs(p.0 - p.1) / max(1, abs(p.1))) }
}

/// Asserts that `actual` matches `expected` in shape and within `tolerance`.
func expectClose(_ actual: Tensor?, _ expected: FixtureTensor, tolerance: Float = 1e-4,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual else {
        Issue.record("output '\(expected.name)' missing", sourceLocation: sourceLocation)
        return
    }
    #expect(actual.shape == expected.shape, "shape of '\(expected.name)'", sourceLocation: sourceLocation)
    #expect(actual.data.count == expected.data.count, sourceLocation: sourceLocation)
    let err = maxRelativeError(actual.data, expected.data)
    #expect(err <= tolerance, "'\(expected.name)' deviates by \(err)", sourceLocation: sourceLocation)
}
