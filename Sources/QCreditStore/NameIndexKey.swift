import GRDB
import GRDBSQLite
import QCreditDomain

/// The form of a name the trigram index holds (Schema/0022): ``NameMatch/fold(_:)``, the form
/// names and queries are compared in — full-width ASCII as ASCII, every run of white space
/// (U+3000 included) as one space, lower case.
///
/// Indexed as registered, a name mixing forms (`IBM（中国）有限公司`, ASCII letters beside
/// full-width brackets) or holding an ideographic space was found only by queries long enough
/// to be cut into pieces: no one form of a short query held its trigrams. Both sides folded the
/// same way, a query's trigrams are the folded name's whatever forms either was typed in.
///
/// ```swift
/// NameIndexKey.of("IBM（中国）有限公司")   // "ibm(中国)有限公司"
/// ```
enum NameIndexKey {
    static func of(_ name: String) -> String { NameMatch.fold(name) }

    /// Adds the SQL function `qcredit_name_key(name)` the index is written with to `db`; every
    /// connection of a ``RegistryDatabase`` has it (an `sqlite3` shell does not, and needs it
    /// only to add names). Written against SQLite's C API: most names fold to themselves, and
    /// those are answered from their bytes, without making a Swift string (through GRDB's
    /// function values, loading a million files took a fifth longer).
    static func install(on db: Database) throws {
        let status = sqlite3_create_function_v2(
            db.sqliteConnection, "qcredit_name_key", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil,
            { context, _, arguments in
                guard let context, let argument = arguments?[0] else { return }
                guard let text = sqlite3_value_text(argument) else { return sqlite3_result_null(context) }
                let length = Int(sqlite3_value_bytes(argument))
                let bytes = UnsafeBufferPointer(start: text, count: length)
                if NameIndexKey.foldsToItself(bytes) { return sqlite3_result_value(context, argument) }
                let folded = NameIndexKey.of(String(decoding: bytes, as: UTF8.self))
                let utf8 = Array(folded.utf8)
                utf8.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { chars in
                        sqlite3_result_text(context, chars.baseAddress, Int32(chars.count), BulkStatement.transient)
                    }
                }
            }, nil, nil, nil)
        guard status == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: status), message: "qcredit_name_key") }
    }

    /// Whether ``of(_:)`` leaves these UTF-8 bytes as they are, judged conservatively from the
    /// bytes alone: ASCII but capitals and white space other than single spaces between words,
    /// and the three-byte characters of the CJK blocks (U+3001–U+9FFF but U+3000, the
    /// ideographic space). Anything else (Latin letters with marks, full-width forms, other
    /// spaces) takes the full fold.
    static func foldsToItself(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first, let last = bytes.last, first != 0x20, last != 0x20 else { return bytes.isEmpty }
        var index = 0
        var previousWasSpace = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                if byte == 0x20 {
                    if previousWasSpace { return false }
                    previousWasSpace = true
                } else {
                    if (0x41...0x5A).contains(byte) || (0x09...0x0D).contains(byte) { return false }
                    previousWasSpace = false
                }
                index += 1
                continue
            }
            previousWasSpace = false
            // E3 80 80 is U+3000; E3–E9 lead the rest of U+3000–U+9FFF, which has no case and no spaces.
            guard (0xE3...0xE9).contains(byte), index + 2 < bytes.count,
                bytes[index + 1] & 0xC0 == 0x80, bytes[index + 2] & 0xC0 == 0x80
            else { return false }
            if byte == 0xE3, bytes[index + 1] == 0x80, bytes[index + 2] == 0x80 { return false }
            index += 3
        }
        return true
    }
}
