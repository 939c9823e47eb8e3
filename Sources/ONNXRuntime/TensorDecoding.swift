import Foundation

/// Decodes the elements of a TensorProto (every numeric type and BOOL; integers become int64 values,
/// floating types float32). The element count was checked against the limit; here it is checked against
/// the bytes actually present, so a header cannot claim more data than the file holds.
func decodeTensorData(_ t: Onnx_TensorProto, shape: [Int], count: Int, what: String) throws -> Value {
    let raw = t.rawData
    let sizes: [Int32: Int] = [1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2]
    guard let size = sizes[t.dataType] else {
        throw ONNXError.invalidTensor("\(what) has unsupported data type \(dataTypeName(t.dataType))")
    }
    func checkCount(_ n: Int, _ field: String) throws {
        guard n == count else {
            throw ONNXError.invalidTensor("\(what) declares shape \(shape) (\(count) elements) but \(field) holds \(n)")
        }
    }
    if t.hasRawData {
        guard raw.count == count * size else {
            throw ONNXError.invalidTensor(
                "\(what) declares shape \(shape) (\(count) × \(size) bytes) but raw_data holds \(raw.count) bytes")
        }
        return raw.withUnsafeBytes { decodeRaw($0, type: t.dataType, shape: shape, count: count) }
    }
    switch t.dataType {
    case 1:
        try checkCount(t.floatData.count, "float_data")
        return .float(Tensor(uncheckedShape: shape, data: t.floatData))
    case 11:
        try checkCount(t.doubleData.count, "double_data")
        return .float(Tensor(uncheckedShape: shape, data: t.doubleData.map { Float($0) }))
    case 7:
        try checkCount(t.int64Data.count, "int64_data")
        return .int64(shape: shape, data: t.int64Data)
    case 12, 13:
        try checkCount(t.uint64Data.count, "uint64_data")
        return .int64(shape: shape, data: t.uint64Data.map { Int64(truncatingIfNeeded: $0) })
    case 10:
        try checkCount(t.int32Data.count, "int32_data")
        return .float(Tensor(uncheckedShape: shape, data: t.int32Data.map { halfToFloat(UInt16(truncatingIfNeeded: $0)) }))
    case 16:
        try checkCount(t.int32Data.count, "int32_data")
        return .float(Tensor(uncheckedShape: shape, data: t.int32Data.map { Float(bitPattern: UInt32(UInt16(truncatingIfNeeded: $0)) << 16) }))
    default:
        try checkCount(t.int32Data.count, "int32_data")
        return .int64(shape: shape, data: t.int32Data.map { Int64($0) })
    }
}

private func decodeRaw(_ buf: UnsafeRawBufferPointer, type: Int32, shape: [Int], count: Int) -> Value {
    func ints<T: FixedWidthInteger>(_: T.Type) -> Value {
        .int64(shape: shape, data: (0..<count).map {
            Int64(truncatingIfNeeded: T(littleEndian: buf.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)))
        })
    }
    func floats(_ f: (Int) -> Float) -> Value {
        .float(Tensor(uncheckedShape: shape, data: [Float](unsafeUninitializedCapacity: count) { out, n in
            for i in 0..<count { out[i] = f(i) }
            n = count
        }))
    }
    switch type {
    case 1: return floats { Float(bitPattern: UInt32(littleEndian: buf.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
    case 11: return floats { Float(Double(bitPattern: UInt64(littleEndian: buf.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))) }
    case 10: return floats { halfToFloat(UInt16(littleEndian: buf.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }
    case 16: return floats { Float(bitPattern: UInt32(UInt16(littleEndian: buf.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) << 16) }
    case 2, 9: return ints(UInt8.self)
    case 3: return ints(Int8.self)
    case 4: return ints(UInt16.self)
    case 5: return ints(Int16.self)
    case 6: return ints(Int32.self)
    case 12: return ints(UInt32.self)
    default: return ints(Int64.self)
    }
}

/// IEEE 754 half precision bits to Float.
func halfToFloat(_ h: UInt16) -> Float {
    let sign: Float = h & 0x8000 != 0 ? -1 : 1
    let exponent = Int((h >> 10) & 0x1F), mantissa = Float(h & 0x3FF)
    switch exponent {
    case 0: return sign * mantissa * Float(pow(2.0, -24.0))
    case 31: return mantissa == 0 ? sign * .infinity : .nan
    default: return sign * (1 + mantissa / 1024) * Float(pow(2.0, Double(exponent - 15)))
    }
}
