import Foundation

extension ONNXModel {
    /// The bytes of the `.onnx` file `data` with its `metadata_props` changed: each key of
    /// `changes` set to its value, or removed when the value is nil; the entries sorted by key,
    /// as `ONNXModelBuilder` writes them, so the result equals a file built with that metadata.
    public static func replacingMetadata(in data: Data, with changes: [String: String?]) throws -> Data {
        var proto = try decodeModelProto(data)
        var metadata: [String: String] = [:]
        for entry in proto.metadataProps { metadata[entry.key] = entry.value }
        for (key, value) in changes { metadata[key] = value }
        proto.metadataProps = metadata.keys.sorted().map { key in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = metadata[key] ?? ""
            return entry
        }
        do {
            return try proto.serializedBytes()
        } catch {
            throw ONNXError.buildFailed("protobuf serialisation failed: \(error)")
        }
    }
}
