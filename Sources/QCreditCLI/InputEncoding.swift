import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

/// The character encoding of a data file given on the command line (`--encoding`).
///
/// Files are UTF-8 unless told otherwise. A CSV file saved by a spreadsheet program on a
/// Chinese system is usually GB18030 (GBK, code page 936), which the file-reading commands read
/// when given `--encoding gb18030`: the file is converted to UTF-8 (with glibc's iconv) before
/// anything else, so line numbers, the error file and the import id are those of its text.
enum InputEncoding: String, ExpressibleByArgument, CaseIterable, Sendable {
    case utf8 = "utf-8"
    case gb18030

    init?(argument: String) {
        switch argument.lowercased() {
        case "utf-8", "utf8": self = .utf8
        // GBK and GB2312 are subsets of GB18030; code page 936 is Windows' name for GBK.
        case "gb18030", "gbk", "gb2312", "cp936": self = .gb18030
        default: return nil
        }
    }

    static var allValueStrings: [String] { ["utf-8", "gb18030"] }

    /// `bytes` as UTF-8: as they are for UTF-8, converted otherwise.
    /// - Throws: ``Failure/badInput(_:)`` naming the line and byte that is not valid in this
    ///   encoding.
    func utf8(_ bytes: [UInt8], name: String) throws(Failure) -> [UInt8] {
        switch self {
        case .utf8: return bytes
        case .gb18030:
            // Chinese text in GB18030 is practically never valid UTF-8 (its lead bytes are not
            // UTF-8's), but UTF-8 read as GB18030 often converts without an error, into other
            // characters: a UTF-8 file named GB18030 by mistake is refused, not imported garbled.
            if bytes.contains(where: { $0 >= 0x80 }), String(validating: bytes, as: UTF8.self) != nil {
                throw .badInput("cannot read \(name) as GB18030: it is UTF-8 text; read it without --encoding")
            }
            return try Self.convert(bytes, from: "GB18030", name: name)
        }
    }

    private static func convert(_ bytes: [UInt8], from encoding: String, name: String) throws(Failure) -> [UInt8] {
        let converter = iconv_open("UTF-8", encoding)
        guard converter != iconv_t(bitPattern: -1) else {
            throw .badInput("cannot read \(name): this system cannot convert \(encoding) (glibc's gconv modules are missing)")
        }
        defer { iconv_close(converter) }
        // A GB18030 character of one, two or four bytes is at most four bytes of UTF-8.
        var output = [UInt8](repeating: 0, count: bytes.count * 2 + 4)
        var input = bytes
        let (left, written, failure) = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                var inPointer = source.baseAddress.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: CChar.self) }
                var inLeft = source.count
                var outPointer = target.baseAddress.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: CChar.self) }
                var outLeft = target.count
                let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                return (inLeft, target.count - outLeft, result == -1 ? errno : 0)
            }
        }
        guard failure == 0, left == 0 else {
            let offset = bytes.count - left
            let lineStart = bytes[..<offset].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            let line = bytes[..<offset].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            let what = failure == EINVAL ? "ends inside a character" : "is not \(encoding) text"
            throw .badInput("cannot read \(name): line \(line) \(what) (byte \(offset - lineStart + 1) of the line)")
        }
        output.removeSubrange(written...)
        return output
    }
}
