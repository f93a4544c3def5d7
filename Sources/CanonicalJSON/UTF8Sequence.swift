/// Well-formed UTF-8, checked on bytes without decoding them.
enum UTF8Sequence {
    /// The index after the multi-byte UTF-8 sequence whose lead byte is at `index`, or nil when
    /// it is not well formed. Follows Unicode's table of well-formed sequences (Table 3-7), which
    /// excludes overlong forms (C0, C1, E0 80–9F, F0 80–8F), UTF-8-encoded surrogates
    /// (ED A0–BF), code points above U+10FFFF (F4 90–BF, F5–FF) and truncated sequences.
    @inline(__always)
    static func end(in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        let lead = bytes[index]
        let length: Int
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondLow = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondHigh = 0x9F
        case 0xF0: length = 4; secondLow = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondHigh = 0x8F
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        let second = bytes[index + 1]
        guard second >= secondLow, second <= secondHigh else { return nil }
        for offset in (index + 2)..<(index + length) where bytes[offset] & 0xC0 != 0x80 {
            return nil
        }
        return index + length
    }
}
