/// Splits codes read from a file into the `GetGrades` calls that send them: at most `maximumCount`
/// codes, and at most `maximumBytes` of JSON, a call. A bank's messages are limited to 1 MiB
/// (`maxMessageBytesReadOnly`), and a longer one closes the connection, so a file of 50,000
/// codes (or a few very long lines, answered with an error row each) must not go in one call.
enum CodeBatches {
    /// A quarter of a bank's default message limit: room for the call's own members.
    static let maximumBytes = 256 << 10

    static func split(_ codes: [String], maximumCount: Int, maximumBytes: Int = Self.maximumBytes) -> [Range<Int>] {
        var batches: [Range<Int>] = []
        var start = 0
        var bytes = 0
        for (index, code) in codes.enumerated() {
            let size = encodedSize(code)
            if index > start, index - start >= maximumCount || bytes + size > maximumBytes {
                batches.append(start..<index)
                start = index
                bytes = 0
            }
            bytes += size
        }
        if start < codes.count { batches.append(start..<codes.count) }
        return batches
    }

    /// The bytes `code` takes as a JSON array element: its UTF-8, quotes and comma, and six
    /// bytes for each character escaped as `\u00XX` (an over-estimate for `\"` and `\\`).
    static func encodedSize(_ code: String) -> Int {
        var size = 3
        for byte in code.utf8 { size += byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") ? 6 : 1 }
        return size
    }
}
