/// Strict ASCII digit reading shared by the ISO 8601 / RFC 3339 parsers: only `0`–`9`,
/// no signs, no spaces, no other Unicode digits (which `Int(_:)` on a `String` would also
/// refuse, but this avoids building strings for every field).
enum ISO8601Digits {
    /// The value of a run of ASCII digits, or `nil` if empty, not all digits, or too long
    /// to be a date field (more than 18 digits).
    static func value(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var result = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            result = result * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return result
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
