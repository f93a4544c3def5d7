/// Standard base64 (RFC 4648 §4, with padding), strict: the alphabet only, padding only where
/// it belongs, and zero bits after the last full byte, so each byte string has exactly one
/// accepted encoding.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xff, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = UInt32(bytes[index])
            let b1 = remaining > 1 ? UInt32(bytes[index + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[index + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            output.append(alphabet[Int(group >> 18 & 0x3f)])
            output.append(alphabet[Int(group >> 12 & 0x3f)])
            output.append(remaining > 1 ? alphabet[Int(group >> 6 & 0x3f)] : UInt8(ascii: "="))
            output.append(remaining > 2 ? alphabet[Int(group & 0x3f)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes `text` encodes, or nil if it is not strict, padded, standard base64.
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(characters.count / 4 * 3)
        var index = 0
        while index < characters.count {
            let isLast = index + 4 == characters.count
            // Only the last group may end in "=" or "==".
            var padding = 0
            if isLast, characters[index + 3] == UInt8(ascii: "=") {
                padding = characters[index + 2] == UInt8(ascii: "=") ? 2 : 1
            }
            var group: UInt32 = 0
            for offset in 0..<(4 - padding) {
                let value = values[Int(characters[index + offset])]
                guard value != 0xff else { return nil }
                group = group << 6 | UInt32(value)
            }
            group <<= 6 * UInt32(padding)
            output.append(UInt8(group >> 16 & 0xff))
            switch padding {
            case 0:
                output.append(UInt8(group >> 8 & 0xff))
                output.append(UInt8(group & 0xff))
            case 1:
                guard group & 0xff == 0 else { return nil }   // stray bits after the last byte
                output.append(UInt8(group >> 8 & 0xff))
            default:
                guard group & 0xffff == 0 else { return nil }
            }
            index += 4
        }
        return output
    }
}
