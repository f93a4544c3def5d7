import CanonicalJSON
import NIOCore
import Testing

@testable import Varlink

/// The scanner that reads plain calls without the parser is only a shortcut: whatever it
/// accepts must decode exactly as the full parser decodes it, and everything else is left to
/// the parser (which then accepts or refuses it as before).
@Suite struct FlatCallScannerTests {
    let codec = JSONValueCodec()

    static let accepted = [
        #"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"91350100M000100Y43"}}"#,
        #"{"parameters":{"code":"91350100M000100Y43","at":"2026-01-01"},"method":"org.qcredit.query.GetGradeAt"}"#,
        #"{"method":"org.varlink.service.GetInfo"}"#,
        #"{"method":"org.varlink.service.GetInfo","parameters":{}}"#,
        " {\t\"method\" :\r\n\"a.b.C\" , \"parameters\" : { \"x\" : \"\" } } \n",
    ]

    /// Shapes the scanner must leave to the parser (some valid, some not).
    static let leftToTheParser = [
        #"{"method":"a.b.C","more":true}"#,
        #"{"method":"a.b.C","parameters":null}"#,
        #"{"method":"a.b.C","parameters":{"n":1}}"#,
        #"{"method":"a.b.C","parameters":{"s":"tab\tin"}}"#,
        #"{"method":"a.b.C","parameters":{"s":"esc\"aped"}}"#,
        #"{"method":"a.b.C","parameters":{"s":"\u0041"}}"#,
        #"{"method":"a.b.C","parameters":{"name":"质量信用"}}"#,
        #"{"method":"a.b.C","parameters":{"s":"a","s":"b"}}"#,
        #"{"method":"a.b.C","method":"a.b.D"}"#,
        #"{"method":"a.b.C"} x"#,
        #"{"method":"a.b.C",}"#,
        #"{"method":"a.b.C","parameters":{"s":"a",}}"#,
        #"{"method":"a.b.C""#,
        #"{"parameters":{}}"#,
        #"{}"#,
        #"[]"#,
        "",
    ]

    @Test func plainCallsDecodeAsTheParserDecodesThem() throws {
        for text in Self.accepted {
            let frame = ByteBuffer(string: text)
            let scanned = try #require(frame.withUnsafeReadableBytes(FlatCallScanner.scan), "\(text)")
            #expect(scanned == (try codec.decodeCallWithParser(frame)), "\(text)")
            #expect(try codec.decodeCall(frame) == scanned)
        }
    }

    @Test func everyOtherShapeIsLeftToTheParser() {
        for text in Self.leftToTheParser {
            let frame = ByteBuffer(string: text)
            #expect(frame.withUnsafeReadableBytes(FlatCallScanner.scan) == nil, "\(text)")
            // The codec's answer is the parser's: the same call, or the same refusal.
            let viaCodec = "\(Result { try codec.decodeCall(frame) })"
            #expect(viaCodec == "\(Result { try codec.decodeCallWithParser(frame) })", "\(text)")
        }
    }

    /// Mutated calls: whenever the scanner accepts one, the parser accepts it as the same call.
    @Test func mutatedCallsNeverDecodeOtherwiseThanByTheParser() {
        // Knuth's MMIX linear congruential generator: deterministic, so a failure reproduces.
        var state: UInt64 = 0x5EED
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 17
        }
        let alphabet = Array(#"{}[]:,"\ tnul0123aéA"#.utf8) + [0x0A, 0x09, 0x7F, 0x1F, 0xE8, 0xB4, 0xA8]
        var acceptedMutants = 0
        for round in 0..<20_000 {
            var bytes = Array(Self.accepted[round % Self.accepted.count].utf8)
            for _ in 0..<(1 + Int(next() % 3)) {
                let position = Int(next() % UInt64(bytes.count + 1))
                let byte = alphabet[Int(next() % UInt64(alphabet.count))]
                switch next() % 3 {
                case 0 where position < bytes.count: bytes[position] = byte
                case 1 where position < bytes.count: bytes.remove(at: position)
                default: bytes.insert(byte, at: position)
                }
            }
            let frame = ByteBuffer(bytes: bytes)
            guard let scanned = frame.withUnsafeReadableBytes(FlatCallScanner.scan) else { continue }
            acceptedMutants += 1
            let parsed = try? codec.decodeCallWithParser(frame)
            #expect(parsed == scanned, "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(acceptedMutants > 1_000, "the mutations should keep many calls plain")
    }
}
