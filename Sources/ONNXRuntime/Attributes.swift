/// Attribute access with validation; errors name the node and operator.
struct Attributes {
    let node: String
    let opType: String
    let byName: [String: Onnx_AttributeProto]

    func fail(_ attr: String, _ detail: String) -> ONNXError {
        .unsupportedAttribute(node: node, opType: opType, attribute: attr, detail: detail)
    }

    func only(_ allowed: Set<String>) throws {
        for key in byName.keys.sorted() where !allowed.contains(key) {
            throw fail(key, "not supported by this engine (supported: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    func int(_ name: String) throws -> Int? {
        guard let a = byName[name] else { return nil }
        guard a.type == .int || (a.type == .undefined && a.hasI) else { throw fail(name, "expected an integer") }
        guard let v = Int(exactly: a.i) else { throw fail(name, "out of range") }
        return v
    }

    func int(_ name: String, default d: Int) throws -> Int { try int(name) ?? d }

    func float(_ name: String, default d: Float) throws -> Float {
        guard let a = byName[name] else { return d }
        guard a.type == .float || (a.type == .undefined && a.hasF) else { throw fail(name, "expected a float") }
        return a.f
    }

    func ints(_ name: String) throws -> [Int]? {
        guard let a = byName[name] else { return nil }
        guard a.type == .ints || (a.type == .undefined && !a.ints.isEmpty) else { throw fail(name, "expected a list of integers") }
        guard a.ints.count <= 64 else { throw fail(name, "too many values (\(a.ints.count))") }
        return try a.ints.map {
            guard $0 >= -(1 << 32), $0 <= 1 << 32 else { throw fail(name, "value \($0) out of range") }
            return Int($0)
        }
    }

    func string(_ name: String) throws -> String? {
        guard let a = byName[name] else { return nil }
        guard a.type == .string || (a.type == .undefined && a.hasS) else { throw fail(name, "expected a string") }
        return String(decoding: a.s, as: UTF8.self)
    }

    func bool(_ name: String, default d: Bool) throws -> Bool {
        guard let v = try int(name) else { return d }
        guard v == 0 || v == 1 else { throw fail(name, "expected 0 or 1, got \(v)") }
        return v == 1
    }
}

func unsupported(_ node: Onnx_NodeProto, _ name: String, _ detail: String) -> ONNXError {
    .unsupportedOperator(node: name, opType: node.opType, detail: detail)
}

extension Attributes {
    func floats(_ name: String) throws -> [Float]? {
        guard let a = byName[name] else { return nil }
        guard a.type == .floats || (a.type == .undefined && !a.floats.isEmpty) else { throw fail(name, "expected a list of floats") }
        guard a.floats.count <= 64 else { throw fail(name, "too many values (\(a.floats.count))") }
        return a.floats
    }
}
