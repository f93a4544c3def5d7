/// Splitting UTF-8 text into `\n`-terminated lines, byte-wise (a Swift `Character` would take
/// `\r\n` as one, and the formats allow only `\n`).
struct LineReader {
    let bytes: [UInt8]
    private(set) var position = 0
    /// The number of lines read so far (so the 1-based number of the last one).
    private(set) var lineNumber = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var atEnd: Bool { position == bytes.count }

    /// The next line without its `\n`, or `nil` at the end or if the rest has no `\n`.
    mutating func nextLine() -> ArraySlice<UInt8>? {
        guard let end = bytes[position...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let line = bytes[position..<end]
        position = end + 1
        lineNumber += 1
        return line
    }

    /// Everything not read yet.
    var rest: ArraySlice<UInt8> { bytes[position...] }
}

extension ArraySlice<UInt8> {
    func hasPrefix(_ prefix: String) -> Bool { starts(with: prefix.utf8) }
    var text: String { String(decoding: self, as: UTF8.self) }
}
