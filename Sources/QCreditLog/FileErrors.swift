import Foundation

/// The errno under a Foundation file error, for a reason in the system's words ("no space left
/// on device", not "The operation could not be completed").
public enum FileErrors {
    /// The POSIX error code `error` carries, itself or beneath a Cocoa error; nil when none.
    ///
    /// Foundation on Linux keeps the underlying error as a Swift error, which `as? NSError`
    /// does not bridge, so the look-up goes through `any Error`.
    ///
    /// ```swift
    /// do { try FileManager.default.createDirectory(atPath: "/etc/hostname/x", withIntermediateDirectories: true) }
    /// catch { FileErrors.posixCode(of: error) }  // ENOTDIR
    /// ```
    public static func posixCode(of error: any Error) -> Int32? {
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain { return Int32(error.code) }
        guard let underlying = (error.userInfo[NSUnderlyingErrorKey] as? any Error).map({ $0 as NSError }),
            underlying.domain == NSPOSIXErrorDomain
        else { return nil }
        return Int32(underlying.code)
    }

    /// The system's text for `error` in lower case, to continue a sentence, else Foundation's.
    public static func text(of error: any Error) -> String {
        posixCode(of: error).map(systemText) ?? (error as NSError).localizedDescription
    }

    /// The system's text for an errno value, in lower case to continue a sentence:
    /// "no such file or directory".
    public static func systemText(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
