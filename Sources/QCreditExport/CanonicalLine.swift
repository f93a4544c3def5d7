import CanonicalJSON

/// One line of a `.jsonl` file: a JSON value in its RFC 8785 canonical form, which has no newline.
enum CanonicalLine {
    /// Why `bytes` is not a canonical JSON line, or nil if it is.
    static func problem(in bytes: UnsafeRawBufferPointer) -> String? {
        parse(bytes).problem
    }

    /// The value of a line if it is canonical JSON; otherwise why not.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> (value: JSONValue?, problem: String?) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            return (nil, "not JSON: \(error)")
        }
        let canonical: [UInt8]
        do {
            canonical = try value.canonicalBytes()
        } catch {
            return (nil, "JSON without a canonical form: \(error)")
        }
        guard canonical.count == bytes.count, canonical.elementsEqual(bytes) else {
            return (nil, "not in RFC 8785 canonical form")
        }
        return (value, nil)
    }

    /// Checks a record the source gave as bytes (a log entry).
    static func check(_ bytes: [UInt8], file: String, line: Int64, what: String) throws(ExportError) {
        let found = bytes.withUnsafeBytes { problem(in: $0) }
        if let found { throw .invalidRecord(file: file, line: line, reason: "\(what) is \(found)") }
    }

    /// The canonical bytes of a value the source gave.
    static func bytes(of value: JSONValue, file: String, line: Int64) throws(ExportError) -> [UInt8] {
        do {
            return try value.canonicalBytes()
        } catch {
            throw .invalidRecord(file: file, line: line, reason: "no canonical JSON form: \(error)")
        }
    }
}
