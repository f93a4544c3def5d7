/// Standard padded base64 (RFC 4648 §4) for the hashes in `tree-start`, `consistency-proof` and
/// the MANIFEST. Decoding is strict (padding required, no white space, zero unused bits), so
/// each hash has exactly one accepted text.
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
            let count = min(3, bytes.count - index)
            var group = UInt32(bytes[index]) << 16
            if count > 1 { group |= UInt32(bytes[index + 1]) << 8 }
            if count > 2 { group |= UInt32(bytes[index + 2]) }
            for slot in 0..<4 {
                output.append(slot <= count ? alphabet[Int(group >> (18 - 6 * UInt32(slot)) & 0x3f)] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes `text` encodes, or nil if it is not strict padded standard base64.
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(characters.count / 4 * 3)
        var index = 0
        while index < characters.count {
            let isLast = index + 4 == characters.count
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
            case 0: output.append(contentsOf: [UInt8(group >> 8 & 0xff), UInt8(group & 0xff)])
            case 1:
                guard group & 0xff == 0 else { return nil }
                output.append(UInt8(group >> 8 & 0xff))
            default:
                guard group & 0xffff == 0 else { return nil }
            }
            index += 4
        }
        return output
    }
}
