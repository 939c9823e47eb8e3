/// A coding key for any string, used to look at the keys a YAML mapping actually has.
public struct AnyCodingKey: CodingKey, Hashable, Sendable {
    public var stringValue: String
    public var intValue: Int?

    public init(_ string: String) { stringValue = string }

    /// The key of an element of a sequence.
    public init(index: Int) {
        stringValue = String(index)
        intValue = index
    }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// Marks a decoding error about a key itself (not its value): its place is the key's.
struct UnknownKey: Error {}

extension Decoder {
    /// Fails when the mapping has keys other than `allowed`, suggesting the nearest one.
    func rejectUnknownKeys(allowed: [String], in what: String) throws {
        guard let container = try? container(keyedBy: AnyCodingKey.self) else { return }
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            let hint = nearestName(to: key.stringValue, in: allowed).map { " Did you mean '\($0)'?" } ?? ""
            let valid = allowed.isEmpty ? "it takes no parameters" : "valid: \(allowed.joined(separator: ", "))"
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath + [key],
                debugDescription: "unknown parameter '\(key.stringValue)' for \(what) (\(valid)).\(hint)",
                underlyingError: UnknownKey()))
        }
    }
}

extension KeyedDecodingContainer {
    /// Decodes an optional value and checks it lies in `range`.
    func decode<T: Decodable & Comparable>(
        _ key: Key, default value: T, in range: ClosedRange<T>
    ) throws -> T {
        guard let decoded = try decodeIfPresent(T.self, forKey: key) else { return value }
        guard range.contains(decoded) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "\(key.stringValue) must be between \(range.lowerBound) and \(range.upperBound), got \(decoded)")
        }
        return decoded
    }

    /// Decodes an optional enumeration given by its raw string, listing the valid values.
    func decodeChoice<T: RawRepresentable & CaseIterable>(
        _ key: Key, default value: T
    ) throws -> T where T.RawValue == String {
        guard let raw = try decodeIfPresent(String.self, forKey: key) else { return value }
        guard let decoded = T(rawValue: raw) else {
            let valid = T.allCases.map(\.rawValue)
            let hint = nearestName(to: raw, in: valid).map { " Did you mean '\($0)'?" } ?? ""
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "\(key.stringValue) must be one of \(valid.joined(separator: ", ")), got '\(raw)'.\(hint)")
        }
        return decoded
    }
}

/// The candidate closest to `name` by edit distance, if it is plausibly a typo of it.
func nearestName(to name: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(name.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    return best.1 <= max(2, name.count / 3) ? best.0 : nil
}

/// Levenshtein distance between two strings.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
