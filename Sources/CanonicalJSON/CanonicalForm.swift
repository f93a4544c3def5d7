/// Whether bytes are already RFC 8785 text, checked in one pass without building a value.
///
/// `JSONValue.parse(bytes).canonicalBytes() == bytes` answers the same question, but builds
/// every string, array and dictionary of the value and sorts its keys again; for a stream of
/// records that were canonical when they were made (an export's openings), the check alone is
/// what is wanted.
///
/// ```swift
/// CanonicalForm.check(Array(#"{"a":[4.5,"A"],"b":100}"#.utf8))   // true
/// CanonicalForm.check(Array(#"{"b":100,"a":[4.5,"A"]}"#.utf8))   // false: key order
/// CanonicalForm.check(Array(#"{"a":1.0}"#.utf8))                 // false: 1.0 is written 1
/// ```
///
/// Returns nil when the answer needs the full parse: a member name with an escape (its order is
/// that of the decoded name) or nesting deeper than `maxDepth`. Where it answers, it agrees
/// with the parse-and-write comparison, including the writer's refusal of integers beyond
/// ±(2^53−1).
public enum CanonicalForm {
    public static func check(_ bytes: some Collection<UInt8>, maxDepth: Int = 64) -> Bool? {
        let answer: Bool?? = bytes.withContiguousStorageIfAvailable { check($0, maxDepth: maxDepth) }
        if let answer { return answer }
        return Array(bytes).withUnsafeBufferPointer { check($0, maxDepth: maxDepth) }
    }

    public static func check(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = 64) -> Bool? {
        var scanner = Scanner(bytes: bytes, maxDepth: maxDepth)
        switch scanner.value(depth: 0) {
        case .canonical: return scanner.position == bytes.count
        case .notCanonical: return false
        case .undecided: return nil
        }
    }

    private enum Answer {
        case canonical, notCanonical, undecided
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        private func byte(at index: Int) -> UInt8? {
            index < bytes.count ? bytes[index] : nil
        }

        mutating func value(depth: Int) -> Answer {
            guard let first = byte(at: position) else { return .notCanonical }
            switch first {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string() == nil ? .notCanonical : .canonical
            case UInt8(ascii: "n"): return literal("null")
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return .notCanonical
            }
        }

        private mutating func literal(_ text: StaticString) -> Answer {
            let count = text.utf8CodeUnitCount
            guard position + count <= bytes.count else { return .notCanonical }
            for offset in 0..<count where bytes[position + offset] != text.utf8Start[offset] { return .notCanonical }
            position += count
            return .canonical
        }

        /// Past a container's opening: the answer for a container too deep or empty, nil to go on.
        private mutating func open(depth: Int, closing: UInt8) -> Answer? {
            guard depth < maxDepth else { return .undecided }
            position += 1
            guard byte(at: position) == closing else { return nil }
            position += 1
            return .canonical
        }

        private mutating func array(depth: Int) -> Answer {
            if let answer = open(depth: depth, closing: UInt8(ascii: "]")) { return answer }
            while true {
                let element = value(depth: depth + 1)
                guard case .canonical = element else { return element }
                guard let closed = itemEnd(closing: UInt8(ascii: "]")) else { return .notCanonical }
                if closed { return .canonical }
            }
        }

        private mutating func object(depth: Int) -> Answer {
            if let answer = open(depth: depth, closing: UInt8(ascii: "}")) { return answer }
            var previousName: UnsafeBufferPointer<UInt8>?
            while true {
                guard byte(at: position) == UInt8(ascii: "\""), let name = string() else { return .notCanonical }
                guard !name.escaped else { return .undecided }
                // Strictly increasing: a name equal to the one before is a duplicate, which the parser refuses.
                if let previousName, !RFC8785KeyOrder.precedes(previousName, name.content) { return .notCanonical }
                previousName = name.content
                guard byte(at: position) == UInt8(ascii: ":") else { return .notCanonical }
                position += 1
                let member = value(depth: depth + 1)
                guard case .canonical = member else { return member }
                guard let closed = itemEnd(closing: UInt8(ascii: "}")) else { return .notCanonical }
                if closed { return .canonical }
            }
        }

        /// Past what follows an element or member: true for the container's end, false for a
        /// comma, nil for anything else.
        private mutating func itemEnd(closing: UInt8) -> Bool? {
            guard let byte = byte(at: position), byte == closing || byte == UInt8(ascii: ",") else { return nil }
            position += 1
            return byte == closing
        }

        /// A string literal as the RFC 8785 writer spells it: its content bytes and whether it
        /// holds an escape; nil when it is not in that form (or not a string at all).
        private mutating func string() -> (content: UnsafeBufferPointer<UInt8>, escaped: Bool)? {
            let start = position + 1
            var index = start
            var escaped = false
            while let byte = byte(at: index) {
                switch byte {
                case UInt8(ascii: "\""):
                    position = index + 1
                    return (UnsafeBufferPointer(rebasing: bytes[start..<index]), escaped)
                case UInt8(ascii: "\\"):
                    guard let end = escapeEnd(at: index) else { return nil }
                    escaped = true
                    index = end
                case 0..<0x20:
                    return nil
                case 0x20..<0x80:
                    index += 1
                default:
                    guard let end = UTF8Sequence.end(in: bytes, at: index) else { return nil }
                    index = end
                }
            }
            return nil
        }

        /// The end of the escape at `index` when it is one the writer makes: `\"`, `\\`, the
        /// two-letter forms of U+0008–U+000D but U+000B, and `\u00xx` (lower-case hex) for the
        /// other controls.
        private func escapeEnd(at index: Int) -> Int? {
            switch byte(at: index + 1) {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "t"), UInt8(ascii: "n"),
                UInt8(ascii: "f"), UInt8(ascii: "r"):
                return index + 2
            case UInt8(ascii: "u"):
                guard index + 6 <= bytes.count, bytes[index + 2] == UInt8(ascii: "0"), bytes[index + 3] == UInt8(ascii: "0")
                else { return nil }
                let high = bytes[index + 4]
                let low = bytes[index + 5]
                guard high == UInt8(ascii: "0") || high == UInt8(ascii: "1") else { return nil }
                let lowValue: UInt8
                switch low {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): lowValue = low &- UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): lowValue = low &- UInt8(ascii: "a") &+ 10
                default: return nil
                }
                let scalar = (high &- UInt8(ascii: "0")) << 4 | lowValue
                // These have two-letter forms, which the writer uses instead.
                guard ![0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(scalar) else { return nil }
                return index + 6
            default:
                return nil
            }
        }

        /// A number token, canonical when it is what the writer makes of the value the parser
        /// reads from it: an integer literal within ±(2^53−1) without a minus zero, or any other
        /// literal whose double is written back as the same text.
        private mutating func number() -> Answer {
            let start = position
            var index = start
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            let integerStart = index
            while let byte = byte(at: index), byte &- UInt8(ascii: "0") < 10 { index += 1 }
            let integerEnd = index
            guard integerEnd > integerStart else { return .notCanonical }
            // Canonical text never has a leading zero, a fraction after an integer part of 0 aside.
            if bytes[integerStart] == UInt8(ascii: "0"), integerEnd - integerStart > 1 { return .notCanonical }
            var isInteger = true
            if byte(at: index) == UInt8(ascii: ".") {
                isInteger = false
                index += 1
                let fractionStart = index
                while let byte = byte(at: index), byte &- UInt8(ascii: "0") < 10 { index += 1 }
                guard index > fractionStart else { return .notCanonical }
            }
            if let byte = byte(at: index), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                isInteger = false
                index += 1
                if let sign = self.byte(at: index), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index += 1 }
                let exponentStart = index
                while let byte = self.byte(at: index), byte &- UInt8(ascii: "0") < 10 { index += 1 }
                guard index > exponentStart else { return .notCanonical }
            }
            position = index
            let token = UnsafeBufferPointer(rebasing: bytes[start..<index])
            // The parser's integers: at most 19 digits that fit Int64. The writer refuses those
            // beyond ±(2^53−1) and writes the rest as plain digits, so "-0" is not canonical.
            if isInteger, integerEnd - integerStart <= 19 {
                var magnitude: UInt64 = 0
                for offset in integerStart..<integerEnd {
                    magnitude = magnitude &* 10 &+ UInt64(bytes[offset] &- UInt8(ascii: "0"))
                }
                let negative = start != integerStart
                if magnitude <= UInt64(Int64.max) || (negative && magnitude == UInt64(Int64.max) + 1) {
                    let exact = UInt64(StrictNumbers.maxExactInteger)
                    return magnitude <= exact && !(negative && magnitude == 0) ? .canonical : .notCanonical
                }
            }
            guard let double = Double(String(decoding: token, as: UTF8.self)), double.isFinite else { return .notCanonical }
            var written: [UInt8] = []
            ECMAScriptNumberFormatting.append(double, to: &written)
            return written.elementsEqual(token) ? .canonical : .notCanonical
        }
    }
}
