import CanonicalJSON
import NIOCore
import Testing
import Varlink

@Suite struct CodecTests {
    let codec = JSONValueCodec()

    private func decode(_ text: String) throws(VarlinkDecodeError) -> VarlinkCall {
        try codec.decodeCall(ByteBuffer(string: text))
    }

    private func decode(bytes: [UInt8]) throws(VarlinkDecodeError) -> VarlinkCall {
        try codec.decodeCall(ByteBuffer(bytes: bytes))
    }

    @Test func decodesCalls() throws {
        let call = try decode(#"{"method":"org.example.test.Ping","parameters":{"text":"hi"},"more":true,"x.vendor":{}}"#)
        #expect(call == VarlinkCall(method: "org.example.test.Ping", parameters: ["text": "hi"], more: true))
        #expect(call.interfaceName == "org.example.test")
        #expect(call.methodName == "Ping")
        let bare = try decode(#"{"method":"a.b.C","parameters":null,"oneway":true,"more":null,"upgrade":false}"#)
        #expect(bare == VarlinkCall(method: "a.b.C", oneway: true))
    }

    @Test func malformedFrames() {
        let samples: [[UInt8]] = [
            Array("not json".utf8),
            Array(#"{"method":"a.b.C""#.utf8),
            [],
            Array(#"{"method":"a.b.C","parameters":{"text":""#.utf8) + [0xFF, 0xFE] + Array(#""}}"#.utf8),
            Array((#"{"method":"a.b.C","parameters":{"deep":"# + String(repeating: "[", count: 100)
                + String(repeating: "]", count: 100) + "}}").utf8),
        ]
        for sample in samples {
            #expect(throws: VarlinkDecodeError.self) { try decode(bytes: sample) }
            do {
                _ = try decode(bytes: sample)
            } catch {
                guard case .malformed = error else {
                    Issue.record("\(error) for \(String(decoding: sample, as: UTF8.self))")
                    continue
                }
            }
        }
    }

    @Test func valuesThatAreNotCalls() {
        let samples: [(String, String)] = [
            ("[1,2]", "method"),
            ("\"text\"", "method"),
            ("{}", "method"),
            (#"{"method":7}"#, "method"),
            (#"{"method":"a.b.C","parameters":[]}"#, "parameters"),
            (#"{"method":"a.b.C","more":"yes"}"#, "more"),
            (#"{"method":"a.b.C","oneway":1}"#, "oneway"),
            (#"{"method":"a.b.C","upgrade":{}}"#, "upgrade"),
        ]
        for (text, field) in samples {
            #expect(throws: VarlinkDecodeError.notACall(field: field), "\(text)") { try decode(text) }
        }
    }

    @Test func encodesReplies() {
        var buffer = ByteBuffer()
        codec.encodeReply(VarlinkReply(parameters: ["b": 1, "a": "x"]), into: &buffer)
        codec.encodeReply(VarlinkReply(parameters: [:], continues: true), into: &buffer)
        codec.encodeReply(VarlinkReply(error: .invalidParameter("text")), into: &buffer)
        let text = String(buffer: buffer)
        #expect(
            text
                == #"{"parameters":{"a":"x","b":1}}"# + "\0" + #"{"continues":true,"parameters":{}}"# + "\0"
                + #"{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"text"}}"# + "\0")
    }

    /// A reply whose parameters are text is written as the same reply built from values.
    @Test func repliesWithParametersTextAreWrittenAsTheirValuesWouldBe() throws {
        for continues in [false, true] {
            let text = Array(#"{"a":"x","b":[1,{"c":null}]}"#.utf8)
            var fromText = ByteBuffer()
            codec.encodeReply(VarlinkReply(parametersText: text, continues: continues), into: &fromText)
            var fromValues = ByteBuffer()
            let parameters = try #require(try JSONValue.parse(text).objectValue)
            codec.encodeReply(VarlinkReply(parameters: parameters, continues: continues), into: &fromValues)
            #expect(String(buffer: fromText) == String(buffer: fromValues))
            #expect(try codec.decodeReply(fromText.getSlice(at: 0, length: fromText.readableBytes - 1)!).parameters == parameters)
            #expect(VarlinkReply(parametersText: text, continues: continues).withParsedText == VarlinkReply(parameters: parameters, continues: continues))
        }
    }

    @Test func clientSideRoundTrip() throws {
        var buffer = ByteBuffer()
        let call = VarlinkCall(method: "a.b.C", parameters: ["x": [1, 2]], more: true, oneway: false)
        codec.encodeCall(call, into: &buffer)
        #expect(buffer.readableBytesView.last == 0)
        let frame = buffer.getSlice(at: buffer.readerIndex, length: buffer.readableBytes - 1)!
        #expect(try codec.decodeCall(frame) == call)

        let reply = try codec.decodeReply(ByteBuffer(string: #"{"parameters":{"n":1},"continues":true}"#))
        #expect(reply == VarlinkReply(parameters: ["n": 1], continues: true))
        let error = try codec.decodeReply(ByteBuffer(string: #"{"error":"a.b.E"}"#))
        #expect(error.varlinkError == VarlinkError(name: "a.b.E"))
        #expect(throws: VarlinkDecodeError.notACall(field: "error")) {
            try codec.decodeReply(ByteBuffer(string: #"{"error":5}"#))
        }
    }
}
