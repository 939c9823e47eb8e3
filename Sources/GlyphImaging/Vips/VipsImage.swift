import CVips
import CVipsShims
import Foundation

/// The single Swift owner of a libvips image: unreferenced exactly once, in `deinit`.
///
/// Also keeps alive the memory a lazily decoded image still reads from.
final class VipsImage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<CVips.VipsImage>
    private let backing: AnyObject?

    init(taking pointer: UnsafeMutablePointer<CVips.VipsImage>, backing: AnyObject? = nil) {
        self.pointer = pointer
        self.backing = backing
    }

    deinit { g_object_unref(pointer) }

    var width: Int { Int(vips_image_get_width(pointer)) }
    var height: Int { Int(vips_image_get_height(pointer)) }
    var bands: Int { Int(vips_image_get_bands(pointer)) }
    var format: VipsBandFormat { vips_image_get_format(pointer) }
    var interpretation: VipsInterpretation { vips_image_get_interpretation(pointer) }
    var hasAlpha: Bool { vips_image_hasalpha(pointer) != 0 }

    /// EXIF orientation (1–8), 1 when absent.
    var orientation: Int {
        var value: Int32 = 1
        if vips_image_get_typeof(pointer, "orientation") != 0,
           vips_image_get_int(pointer, "orientation", &value) == 0 {
            return Int(value)
        }
        return 1
    }

    /// Runs a libvips operation that produces a new image.
    static func make(
        _ operation: String,
        backing: AnyObject? = nil,
        _ call: (UnsafeMutablePointer<UnsafeMutablePointer<CVips.VipsImage>?>) -> Int32
    ) throws(VipsError) -> VipsImage {
        let pointer = try VipsRuntime.perform(operation) { () -> UnsafeMutablePointer<CVips.VipsImage>? in
            var out: UnsafeMutablePointer<CVips.VipsImage>?
            let status = call(&out)
            if status == 0, let out { return out }
            if let out { g_object_unref(out) }
            return nil
        }
        return VipsImage(taking: pointer, backing: backing)
    }

    /// Derives a new image from this one, keeping this one's backing memory alive.
    func derive(
        _ operation: String,
        _ call: (UnsafeMutablePointer<CVips.VipsImage>, UnsafeMutablePointer<UnsafeMutablePointer<CVips.VipsImage>?>) -> Int32
    ) throws(VipsError) -> VipsImage {
        let input = pointer
        return try VipsImage.make(operation, backing: self) { out in call(input, out) }
    }

    /// Computes every pixel and returns them as packed bytes (row-major, bands interleaved).
    /// This is where lazily detected decode errors (truncated files) surface; a lazy image
    /// that failed once stays failed, so callers repeat the whole decode to get the message.
    func pixelBytes() throws(VipsError) -> [UInt8] {
        let input = pointer
        return try VipsRuntime.perform("vips_image_write_to_memory") { () -> [UInt8]? in
            var size = 0
            guard let memory = vips_image_write_to_memory(input, &size) else { return nil }
            defer { g_free(memory) }
            return [UInt8](UnsafeRawBufferPointer(start: memory, count: size))
        }
    }

    /// Wraps packed 8-bit or float pixels as a libvips image (copied).
    static func fromMemory(
        bytes: UnsafeRawBufferPointer, width: Int, height: Int, bands: Int, format: VipsBandFormat
    ) throws(VipsError) -> VipsImage {
        try make("vips_image_new_from_memory_copy") { out in
            out.pointee = vips_image_new_from_memory_copy(
                bytes.baseAddress, bytes.count, Int32(width), Int32(height), Int32(bands), format)
            return out.pointee == nil ? -1 : 0
        }
    }

    /// Encodes with a `gpv_*save_buffer` shim and returns the file bytes.
    func encode(
        _ operation: String,
        _ call: (UnsafeMutablePointer<CVips.VipsImage>, UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutablePointer<Int>) -> Int32
    ) throws(VipsError) -> [UInt8] {
        let input = pointer
        return try VipsRuntime.perform(operation) { () -> [UInt8]? in
            var buffer: UnsafeMutableRawPointer?
            var length = 0
            guard call(input, &buffer, &length) == 0, let buffer else { return nil }
            defer { g_free(buffer) }
            return [UInt8](UnsafeRawBufferPointer(start: buffer, count: length))
        }
    }
}
