/// Standard base64 (RFC 4648 §4) as the C2SP formats (signed notes, checkpoints, tlog-proofs) and
/// the export use it, decoded strictly: padding
/// required, no whitespace or line breaks, and the unused bits of the last character zero, so
/// each byte string has exactly one accepted text and a checkpoint cannot be re-encoded into a
/// different-looking one.
///
/// ```swift
/// Base64.encode([0xff])        // "/w=="
/// Base64.decode("/x==")        // nil: the unused bits must be zero
/// ```
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        append(bytes, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the text ``encode(_:)`` returns, as UTF-8 bytes, to `output`: what a line or a leaf
    /// being written wants, without a string made and copied in between.
    public static func append(_ bytes: some Collection<UInt8>, to output: inout [UInt8]) {
        let input = Array(bytes)
        output.reserveCapacity(output.count + (input.count + 2) / 3 * 4)
        alphabet.withUnsafeBufferPointer { table in
            func character(_ group: UInt32, _ shift: UInt32) -> UInt8 { table[Int((group >> shift) & 0x3F)] }
            var position = 0
            while position + 3 <= input.count {
                let group = UInt32(input[position]) << 16 | UInt32(input[position + 1]) << 8 | UInt32(input[position + 2])
                output.append(character(group, 18))
                output.append(character(group, 12))
                output.append(character(group, 6))
                output.append(character(group, 0))
                position += 3
            }
            let rest = input.count - position
            guard rest > 0 else { return }
            let group = UInt32(input[position]) << 16 | (rest == 2 ? UInt32(input[position + 1]) << 8 : 0)
            output.append(character(group, 18))
            output.append(character(group, 12))
            output.append(rest == 2 ? character(group, 6) : UInt8(ascii: "="))
            output.append(UInt8(ascii: "="))
        }
    }

    /// The bytes `text` encodes, or `nil` if it is not canonical padded base64.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        decode(utf8: text.utf8)
    }

    /// The bytes the UTF-8 text `text` encodes, or `nil` if it is not canonical padded base64.
    public static func decode(utf8 text: some Collection<UInt8>) -> [UInt8]? {
        let input = Array(text)
        guard input.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 * 3)
        var position = 0
        while position < input.count {
            let isLast = position + 4 == input.count
            var group: UInt32 = 0
            var padding = 0
            for slot in 0..<4 {
                let character = input[position + slot]
                if character == UInt8(ascii: "=") {
                    // Padding only in the last group's last two places, and only at its end.
                    guard isLast, slot >= 2 else { return nil }
                    padding += 1
                    group <<= 6
                    continue
                }
                guard padding == 0 else { return nil }
                let value = values[Int(character)]
                guard value != 0xFF else { return nil }
                group = group << 6 | UInt32(value)
            }
            switch padding {
            // Byte by byte: appending an array literal allocated an array per group, which was
            // most of decoding a leaf's commitment.
            case 0:
                output.append(UInt8(group >> 16))
                output.append(UInt8(group >> 8 & 0xFF))
                output.append(UInt8(group & 0xFF))
            case 1:
                guard group & 0xFF == 0 else { return nil }
                output.append(UInt8(group >> 16))
                output.append(UInt8(group >> 8 & 0xFF))
            default:
                guard group & 0xFFFF == 0 else { return nil }
                output.append(UInt8(group >> 16))
            }
            position += 4
        }
        return output
    }
}
