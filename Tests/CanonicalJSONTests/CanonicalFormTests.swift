import Testing

import CanonicalJSON

/// `CanonicalForm.check` must say exactly what parsing and re-writing says (an export writes a
/// record's bytes as they are only when this check passes).
@Suite("Canonical form, checked without parsing")
struct CanonicalFormTests {
    /// The reference: the bytes are what the strict writer makes of the value they parse to.
    static func reference(_ bytes: [UInt8]) -> Bool {
        guard let value = try? JSONValue.parse(bytes), let canonical = try? value.canonicalBytes() else { return false }
        return canonical == bytes
    }

    @Test(
        "canonical text passes",
        arguments: [
            #"{}"#, #"[]"#, #"{"a":[4.5,"A"],"b":100}"#, #"{"grade":"B","score":71.25,"uscc":"91350100M000100Y43"}"#,
            #"{"":0,"a":{"b":[true,false,null]}}"#, #""a\"\\\b\t\n\f\r\u000b\u001f/é""#, "9007199254740991", "-9007199254740991",
            "0", "0.5", "-0.001", "1e+21", "1.5e-7", #"{"€":1,"名称":"质量有限公司","😀":2}"#, #"{"😀":1,"\#u{FFFF}":2}"#,
        ])
    func canonical(_ text: String) {
        #expect(CanonicalForm.check(Array(text.utf8)) == true)
        #expect(Self.reference(Array(text.utf8)))
    }

    @Test(
        "anything else fails",
        arguments: [
            #"{"b":1,"a":2}"#, #"{"a":1,"a":2}"#, #"{ "a":1}"#, #"{"a":1} "#, #"[1,]"#, #"[01]"#, "-0", "1.0", "1E+21",
            "1e21", "100e-2", "9007199254740992", "-9007199254740992", "18446744073709551616x", #""\/""#, #""\u00e9""#,
            #""\u000a""#, #""\u000A""#, #""\u001F""#, "\"\u{01}\"", "tru", "nul", #"{"名称":1,"€":2}"#,
            #"{"\#u{FFFF}":1,"😀":2}"#, "", "{", "[1", #"{"a"}"#,
        ])
    func notCanonical(_ text: String) {
        let bytes = Array(text.utf8)
        #expect(CanonicalForm.check(bytes) == false)
        #expect(!Self.reference(bytes))
    }

    @Test("text that is not UTF-8 fails", arguments: [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE4, 0xB8]])
    func notUTF8(_ content: [UInt8]) {
        let bytes = [UInt8(ascii: "\"")] + content + [UInt8(ascii: "\"")]
        #expect(CanonicalForm.check(bytes) == false)
        #expect(!Self.reference(bytes))
    }

    @Test("a name with an escape, and nesting past the limit, are left to the parser")
    func undecided() {
        #expect(CanonicalForm.check(Array(#"{"\n":1}"#.utf8)) == nil)
        #expect(CanonicalForm.check(Array("[[[1]]]".utf8), maxDepth: 2) == nil)
        #expect(CanonicalForm.check(Array("[[[1]]]".utf8), maxDepth: 3) == true)
    }

    @Test("agrees with parse-and-write on random values and their mutations")
    func agreesWithTheParser() {
        var generator = SeededGenerator(seed: 8785)
        let interesting = Array(#"{}[]:,"\u0123456789-+.eE tfn"#.utf8) + [0x00, 0x0A, 0x1F, 0x7F, 0xC0, 0xED, 0xEF, 0xF0, 0xF4]
        var decided = 0
        var canonical = 0
        for round in 0..<6_000 {
            var bytes = generator.value().encoded()
            if round % 3 != 0 {
                let position = Int.random(in: 0..<max(1, bytes.count), using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0 where !bytes.isEmpty: bytes[position] = interesting.randomElement(using: &generator)!
                case 1: bytes.insert(interesting.randomElement(using: &generator)!, at: position)
                default: if !bytes.isEmpty { bytes.remove(at: position) }
                }
            }
            guard let answer = CanonicalForm.check(bytes) else { continue }
            decided += 1
            if answer { canonical += 1 }
            #expect(answer == Self.reference(bytes), "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(decided > 3_000)
        #expect(canonical > 500)
    }
}
