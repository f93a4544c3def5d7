import CanonicalJSON
import QCreditCrypto
import TransparencyLog

/// One line of an `openings.jsonl`: `{"index":N,"record":{…},"salt":"<base64 of 32 bytes>"}` in
/// RFC 8785 form, where the record's exact bytes are the RFC 8785 serialisation of `record`.
enum OpeningLine {
    /// The line for the opening of entry `index`; nil when the record is not a canonical JSON
    /// object (its bytes could not be carried exactly).
    static func bytes(index: Int64, opening: RecordOpening) -> [UInt8]? {
        let record = opening.record
        // The one-pass check decides nearly every record; the parse is for the few it leaves.
        guard record.first == UInt8(ascii: "{"),
            CanonicalForm.check(record) ?? ((try? JSONValue.parse(record).canonicalBytes()) == record)
        else { return nil }
        // The members in RFC 8785 order ("index" < "record" < "salt"), the record already canonical.
        var line = Array(#"{"index":\#(index),"record":"#.utf8)
        line.reserveCapacity(line.count + record.count + 56)
        line.append(contentsOf: record)
        line.append(contentsOf: #","salt":""#.utf8)
        Base64.append(opening.salt, to: &line)
        line.append(contentsOf: #""}"#.utf8)
        return line
    }

    /// An entry's index and opening read from a line; otherwise why the line is not one.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<(index: Int64, opening: RecordOpening), Problem> {
        let (value, problem) = CanonicalLine.parse(bytes)
        guard let value else { return .failure(Problem(problem ?? "not canonical JSON")) }
        guard let members = value.objectValue, Set(members.keys) == ["index", "record", "salt"] else {
            return .failure(Problem("not an object of exactly \"index\", \"record\" and \"salt\""))
        }
        guard let index = members["index"]?.intValue, index >= 0 else { return .failure(Problem("\"index\" is not an entry index")) }
        guard let record = members["record"], record.objectValue != nil, let recordBytes = try? record.canonicalBytes() else {
            return .failure(Problem("\"record\" is not a JSON object"))
        }
        guard let salt = members["salt"]?.stringValue.flatMap(Base64.decode), salt.count == RecordOpening.saltSize else {
            return .failure(Problem("\"salt\" is not the base64 of \(RecordOpening.saltSize) bytes"))
        }
        return .success((index, RecordOpening(salt: salt, record: recordBytes)))
    }

    struct Problem: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
