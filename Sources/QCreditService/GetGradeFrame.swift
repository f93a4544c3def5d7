/// A `GetGrade` call recognised by its bytes: `{"method":"org.qcredit.query.GetGrade","parameters":{"code":"…"}}`
/// exactly, the code 1–20 ASCII letters or digits, as vlbench and most clients send it. Any
/// other spelling (white space, other members, escapes, `more`) is parsed the generic way.
enum GetGradeFrame {
    private static let prefix = Array(#"{"method":"org.qcredit.query.GetGrade","parameters":{"code":""#.utf8)
    private static let suffix = Array(#""}}"#.utf8)

    /// The code's bytes inside `frame`, if `frame` is such a call.
    static func code(in frame: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        let codeLength = frame.count - prefix.count - suffix.count
        guard (1...20).contains(codeLength),
            prefix.withUnsafeBytes({ frame.starts(with: $0) }),
            suffix.withUnsafeBytes({ frame[(frame.count - suffix.count)...].elementsEqual($0) })
        else { return nil }
        let code = UnsafeRawBufferPointer(rebasing: frame[prefix.count..<(prefix.count + codeLength)])
        guard code.allSatisfy(isCodeCharacter) else { return nil }
        return code
    }

    private static func isCodeCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
            return true
        default:
            return false
        }
    }
}
