/// An enterprise code of up to 20 characters from 0–9 and A–Z packed into 16 bytes, so the
/// index's code map holds no strings: six bits a character, ten characters a word.
struct PackedCode: Hashable, Sendable {
    private(set) var high: UInt64 = 0
    private(set) var low: UInt64 = 0

    /// The words of a code packed before (for ``PackedCodeTable``).
    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Nil for text that is empty, longer than 20 characters or outside 0–9 and A–Z (such
    /// codes are simply not in the index: the normal path answers for them).
    init?(_ code: String) {
        var count = 0
        for byte in code.utf8 {
            let value: UInt64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt64(byte - UInt8(ascii: "0")) + 1
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt64(byte - UInt8(ascii: "A")) + 11
            default: return nil
            }
            guard count < 20 else { return nil }
            if count < 10 { high |= value << (6 * UInt64(count)) } else { low |= value << (6 * UInt64(count - 10)) }
            count += 1
        }
        guard count > 0 else { return nil }
    }
}
