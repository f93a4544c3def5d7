/// String literals as RFC 8785 §3.2.2.2 writes them: only `"`, `\` and controls below U+0020
/// are escaped (the two-letter forms `\b \t \n \f \r` where they exist, else `\u00xx` in lower
/// case); everything else, including `/`, U+007F and all non-ASCII, is copied as UTF-8.
enum JSONStringWriting {
    static func append(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { appendEscaped($0, to: &output) }
        if done == nil {
            Array(string.utf8).withUnsafeBufferPointer { appendEscaped($0, to: &output) }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Copies unescaped runs in bulk; most strings are one run.
    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var runStart = bytes.startIndex
        for index in bytes.indices {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            runStart = index + 1
            output.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
            case 0x08: output.append(UInt8(ascii: "b"))
            case 0x09: output.append(UInt8(ascii: "t"))
            case 0x0A: output.append(UInt8(ascii: "n"))
            case 0x0C: output.append(UInt8(ascii: "f"))
            case 0x0D: output.append(UInt8(ascii: "r"))
            default:
                // Only 00–1F get here: "u00", then 0 or 1, then a lower-case hex digit.
                let low = byte & 0x0F
                output.append(contentsOf: "u00".utf8)
                output.append(UInt8(ascii: "0") &+ (byte >> 4))
                output.append(low < 10 ? UInt8(ascii: "0") &+ low : UInt8(ascii: "a") &+ (low &- 10))
            }
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.endIndex]))
    }
}

/// RFC 8785 §3.2.3 member order: names compared as arrays of UTF-16 code units.
///
/// Comparing UTF-8 bytes gives code-point order, which agrees with UTF-16 order except that
/// U+E000–U+FFFF (lead bytes EE, EF) sort after the supplementary planes in UTF-16 (their
/// surrogates are D800–DFFF) but before them in UTF-8 (lead bytes F0–F4). At the first byte
/// where two names differ both are at the same position in a character, so lifting EE and EF
/// above F4 there restores UTF-16 order without transcoding.
enum RFC8785KeyOrder {
    static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        let fast: Bool?? = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right in precedes(left, right) }
        }
        if let outer = fast, let result = outer { return result }
        return lhs.utf16.lexicographicallyPrecedes(rhs.utf16)
    }

    static func precedes(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = min(left.count, right.count)
        var index = 0
        while index < common {
            let l = left[index]
            let r = right[index]
            if l != r { return weight(l) < weight(r) }
            index += 1
        }
        return left.count < right.count
    }

    @inline(__always)
    private static func weight(_ byte: UInt8) -> UInt8 {
        byte == 0xEE || byte == 0xEF ? byte &+ 0x10 : byte
    }
}
