/// An enterprise code of up to 20 characters from 0–9 and A–Z packed into 16 bytes, so the
/// index's code map holds no strings: six bits a character, ten characters a word.
struct PackedCode: Hashable, Sendable {
    private(set) var high: UInt64 = 0
    private(set) var low: UInt64 = 0

    private init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Nil for text that is empty, longer than 20 characters or outside 0–9 and A–Z (such
    /// codes are simply not in the index: the normal path answers for them).
    init?(_ code: String) {
        self.init(utf8: code.utf8)
    }

    /// The same from UTF-8 bytes (a code's text inside a stored reply).
    init?<Bytes: Sequence<UInt8>>(utf8 code: Bytes) {
        var count = 0
        guard append(code, &count), count > 0 else { return nil }
    }

    /// The same from three pieces of UTF-8 end to end (a USCC around its organization code),
    /// without joining them first.
    init?<A: Sequence<UInt8>, B: Sequence<UInt8>, C: Sequence<UInt8>>(utf8 first: A, _ second: B, _ third: C) {
        var count = 0
        guard append(first, &count), append(second, &count), append(third, &count), count > 0 else { return nil }
    }

    /// Packs `bytes` after the `count` characters packed so far; false past 20 characters or
    /// for a byte outside 0–9 and A–Z.
    private mutating func append<Bytes: Sequence<UInt8>>(_ bytes: Bytes, _ count: inout Int) -> Bool {
        for byte in bytes {
            let value: UInt64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt64(byte - UInt8(ascii: "0")) + 1
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt64(byte - UInt8(ascii: "A")) + 11
            default: return false
            }
            guard count < 20 else { return false }
            if count < 10 { high |= value << (6 * UInt64(count)) } else { low |= value << (6 * UInt64(count - 10)) }
            count += 1
        }
        return true
    }

    /// The key the index files this code under: for an 18-character code (a USCC) the
    /// organization code it embeds (characters 9–17), for any other code the code itself. A
    /// file's USCC and its organization code then share one entry in the code map.
    var homeKey: PackedCode {
        // Eighteen characters: the 18th (bits 42–47 of `low`) is there, a 19th is not.
        guard low >> 42 != 0, low >> 48 == 0 else { return self }
        // Characters 9 and 10 are the top twelve bits of `high`, 11 to 17 the low 42 of `low`.
        return PackedCode(high: high >> 48 | (low & (1 << 42 - 1)) << 12, low: 0)
    }
}
