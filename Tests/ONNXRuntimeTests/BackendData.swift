import Foundation
import ONNXRuntime

/// Locates the ONNX project's backend test data: `$GLYPHPREP_ONNX_TESTDATA`, the Debian package
/// libonnx-testdata (/usr/share/libonnx-testdata/data), or the onnx Python package (backend/test/data).
enum BackendData {
    static let roots: [URL] = {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["GLYPHPREP_ONNX_TESTDATA"] { candidates.append(env) }
        candidates.append("/usr/share/libonnx-testdata/data")
        candidates.append(contentsOf: pythonPackageDirs().map { $0 + "/onnx/backend/test/data" })
        var isDir: ObjCBool = false
        var seen = Set<String>()
        candidates = candidates.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }.filter { seen.insert($0).inserted }
        return candidates.filter { FileManager.default.fileExists(atPath: $0, isDirectory: &isDir) && isDir.boolValue }
            .map { URL(fileURLWithPath: $0) }
    }()

    /// site-packages / dist-packages directories of the usual Python installations.
    private static func pythonPackageDirs() -> [String] {
        let fm = FileManager.default
        var dirs = ["/usr/lib/python3/dist-packages"]
        var bases = ["/usr/local/lib", "/usr/lib"]
        let pyenv = NSHomeDirectory() + "/.pyenv/versions"
        for v in (try? fm.contentsOfDirectory(atPath: pyenv)) ?? [] { bases.append("\(pyenv)/\(v)/lib") }
        for base in bases {
            for entry in ((try? fm.contentsOfDirectory(atPath: base)) ?? []).sorted() where entry.hasPrefix("python3") {
                dirs.append("\(base)/\(entry)/site-packages")
                dirs.append("\(base)/\(entry)/dist-packages")
            }
        }
        return dirs
    }

    /// The first root holding `suite` (e.g. "pytorch-converted" or "light").
    static func directory(_ suite: String) -> URL? {
        roots.map { $0.appendingPathComponent(suite) }.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    static func cases(_ suite: String) -> [URL] {
        guard let dir = directory(suite),
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return names.sorted().map { dir.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("model.onnx").path) }
    }

    static func tensor(_ url: URL) throws -> Tensor {
        try ONNXTensorFile.decode(try Data(contentsOf: url)).tensor
    }

    /// The numbered `prefix_N.pb` tensors of one test_data_set directory, in order.
    static func tensors(in dir: URL, prefix: String) throws -> [Tensor] {
        var result: [Tensor] = []
        while true {
            let url = dir.appendingPathComponent("\(prefix)_\(result.count).pb")
            guard FileManager.default.fileExists(atPath: url.path) else { return result }
            result.append(try tensor(url))
        }
    }
}

/// Element-wise closeness as the ONNX backend tests judge it (|a-b| <= atol + rtol·|b|, NaN equals NaN).
func allClose(_ a: Tensor, _ b: Tensor, rtol: Float = 1e-3, atol: Float = 1e-5) -> Bool {
    guard a.shape == b.shape || a.count == b.count && a.count == 1 else { return false }
    return zip(a.data, b.data).allSatisfy { x, y in
        (x.isNaN && y.isNaN) || x == y || abs(x - y) <= atol + rtol * abs(y)
    }
}
