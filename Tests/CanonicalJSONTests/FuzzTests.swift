import Testing

import CanonicalJSON

/// Hostile-input smoke test: mutated JSON must produce a value or an error with an offset inside
/// the input — never a crash or a hang — and whatever is accepted must re-encode stably.
@Suite("Parser: mutated input")
struct FuzzTests {
    static let seeds: [String] = [
        #"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"91350100M000100Y43"}}"#,
        #"[1, -0, 2.5e-3, 1E+30, 9223372036854775808, true, false, null, "a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"]"#,
        "{\"é\": [\"€😀\", {\"\": {}}, []], \"x\": -12.75}",
    ]

    /// Bytes a mutation inserts: structure, escapes, digits, and every UTF-8 trouble-maker.
    static let interesting: [UInt8] = Array(#"{}[]:,"\u0123456789-+.eE tfn"#.utf8) + [
        0x00, 0x09, 0x0A, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
    ]

    @Test("mutations never crash, and accepted values re-encode stably", arguments: 0..<3)
    func mutations(seedIndex: Int) throws {
        var generator = SeededGenerator(seed: UInt64(seedIndex) &* 7919)
        let original = Array(Self.seeds[seedIndex].utf8)
        var accepted = 0
        for _ in 0..<4_000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                mutate(&bytes, using: &generator)
            }
            do {
                let value = try JSONValue.parse(bytes)
                accepted += 1
                let text = value.encoded()
                #expect(try JSONValue.parse(text).encoded() == text)
            } catch {
                #expect((0...bytes.count).contains(error.offset), "\(error)")
            }
        }
        #expect(accepted > 0)
    }

    private func mutate(_ bytes: inout [UInt8], using generator: inout SeededGenerator) {
        let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &generator)
        switch Int.random(in: 0..<5, using: &generator) {
        case 0 where !bytes.isEmpty:
            bytes[position] = Self.interesting.randomElement(using: &generator)!
        case 1:
            bytes.insert(Self.interesting.randomElement(using: &generator)!, at: position)
        case 2 where !bytes.isEmpty:
            bytes.remove(at: position)
        case 3:
            bytes.removeLast(bytes.count - position)
        default:
            let end = min(bytes.count, position + Int.random(in: 1...8, using: &generator))
            bytes.insert(contentsOf: bytes[position..<end], at: position)
        }
    }

    @Test("random bytes never crash")
    func randomBytes() {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<3_000 {
            let bytes = (0..<Int.random(in: 0...40, using: &generator)).map { _ in
                Bool.random(using: &generator) ? Self.interesting.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
            }
            if let error = (Result { () throws(JSONParseError) in try JSONValue.parse(bytes) }).failure {
                #expect((0...bytes.count).contains(error.offset))
            }
        }
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
