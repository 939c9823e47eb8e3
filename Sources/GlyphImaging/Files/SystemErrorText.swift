import Foundation

/// The reason a file operation failed, in the system's own words (`strerror`), not
/// Foundation's "The operation could not be completed." prose.
public enum SystemErrorText {
    public static func reason(_ original: any Error) -> String {
        let error = original as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))) }
        if error.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: error.code) {
            case .fileNoSuchFile, .fileReadNoSuchFile: return String(cString: strerror(ENOENT))
            case .fileReadNoPermission, .fileWriteNoPermission: return String(cString: strerror(EACCES))
            case .fileWriteFileExists: return String(cString: strerror(EEXIST))
            case .fileWriteOutOfSpace: return String(cString: strerror(ENOSPC))
            case .fileWriteVolumeReadOnly: return String(cString: strerror(EROFS))
            case .fileReadInapplicableStringEncoding, .fileReadCorruptFile: return "not valid UTF-8 text"
            case .fileReadUnknown: return "cannot be read (a directory or a special file?)"
            default: break
            }
        }
        if error.domain != NSCocoaErrorDomain { return "\(original)" }
        return error.localizedDescription.replacingOccurrences(of: "The operation could not be completed. ", with: "")
    }
}
