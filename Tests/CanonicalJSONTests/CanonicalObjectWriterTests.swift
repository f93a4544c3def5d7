import CanonicalJSON
import Testing

@Suite struct CanonicalObjectWriterTests {
    /// The documentation's example, and the same object through `JSONValue`.
    @Test func membersInOrderGiveTheCanonicalBytes() throws {
        var bytes: [UInt8] = []
        var object = CanonicalObjectWriter(into: &bytes)
        try object.member("a", integer: 1, into: &bytes)
        object.member("b", string: "x", into: &bytes)
        object.member("c", into: &bytes)
        bytes.append(contentsOf: Array("[]".utf8))
        object.member("d", string: nil, into: &bytes)
        object.member("e", string: "\"\\\u{1F}é", into: &bytes)
        object.end(into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"a":1,"b":"x","c":[],"d":null,"e":"\"\\\u001fé"}"#)
        let value: JSONValue = ["e": "\"\\\u{1F}é", "d": .null, "c": [], "b": "x", "a": 1]
        #expect(bytes == (try value.canonicalBytes()))
    }

    @Test func anIntegerWithoutAnExactDoubleIsRefusedAsCanonicalBytesRefuseIt() {
        var bytes: [UInt8] = []
        var object = CanonicalObjectWriter(into: &bytes)
        #expect(throws: CanonicalJSONError.self) { try object.member("n", integer: 1 << 53, into: &bytes) }
        #expect(throws: CanonicalJSONError.self) { try JSONValue.int(1 << 53).canonicalBytes() }
        #expect(throws: Never.self) { try CanonicalObjectWriter.appendInteger((1 << 53) - 1, to: &bytes) }
    }
}
