import CanonicalJSON
import Foundation
import Testing

/// Hostile or broken input never crashes, hangs or half-writes: each message gets the right
/// varlink error or a closed connection, and the daemon keeps serving everyone else.
@Suite(.serialized) struct MalformedInputTests {
    static let config = """
        [limits]
        maxMessageBytes = 4096
        maxMessageBytesReadOnly = 4096
        maxMessageBytesNoRole = 4096
        [roles]
        regulator = ["uid:\(getuid())"]
        bank = ["uid:\(getuid())"]
        """

    let code = "911522010783762860"

    func stillServes(_ daemon: DaemonProcess) async throws {
        let reply = try await daemon.call("org.qcredit.query.GetGrade", ["code": .string(code)])
        #expect(reply["grade"]?["enterprise"]?["uscc"] == .string(code))
    }

    @Test func aCorpusOfBadMessagesLeavesTheDaemonServingAndTheRegistryUnchanged() async throws {
        let daemon = try await DaemonProcess(config: Self.config)
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "Steady Co."])
        let auditBefore = try await daemon.call("org.qcredit.query.GetFile", ["code": .string(code)])

        // Messages that are not JSON, or not UTF-8, or nested beyond reason: the connection closes.
        let closing: [(String, [UInt8])] = [
            ("not JSON", Array("hello".utf8) + [0]),
            ("truncated JSON", Array(#"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"#.utf8) + [0]),
            ("invalid UTF-8", Array(#"{"method":"org.qcredit.query.GetGrade","parameters":{"code":""#.utf8) + [0xFF, 0xFE] + Array(#""}}"#.utf8) + [0]),
            ("deep nesting", Array(String(repeating: "[", count: 100_000).utf8) + [0]),
            ("oversized", Array(#"{"method":"org.qcredit.query.GetGrade","parameters":{"code":""#.utf8) + Array(repeating: UInt8(ascii: "9"), count: 10_000)),
            ("trailing garbage", Array(#"{"method":"org.varlink.service.GetInfo"} x"#.utf8) + [0]),
        ]
        for (name, bytes) in closing {
            let socket = try RawSocket(path: daemon.socketPath)
            socket.send(bytes)
            #expect(socket.isClosedByPeer(), "\(name): the connection should close")
            try await stillServes(daemon)
        }

        // Valid JSON that is not a proper call: a typed error, and the connection goes on.
        let answered: [(String, String, String)] = [
            ("not an object", "[1,2,3]", "org.varlink.service.InvalidParameter"),
            ("method not a string", #"{"method":5}"#, "org.varlink.service.InvalidParameter"),
            ("unknown interface", #"{"method":"org.qcredit.nope.GetGrade"}"#, "org.varlink.service.InterfaceNotFound"),
            ("unknown method", #"{"method":"org.qcredit.query.GetGrade2","parameters":{}}"#, "org.varlink.service.MethodNotFound"),
            ("wrong type", #"{"method":"org.qcredit.query.GetGrade","parameters":{"code":["x"]}}"#, "org.varlink.service.InvalidParameter"),
            ("missing parameter", #"{"method":"org.qcredit.admin.RegisterEnterprise","parameters":{"code":"9115220107837941X1"}}"#, "org.varlink.service.InvalidParameter"),
            ("huge number", #"{"method":"org.qcredit.admin.ConfirmListing","parameters":{"listingId":1e400}}"#, "closed"),
            ("parameters not an object", #"{"method":"org.qcredit.query.GetGrade","parameters":"x"}"#, "org.varlink.service.InvalidParameter"),
            ("bad code", #"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"91152201O783762860"}}"#, "org.qcredit.query.InvalidCode"),
        ]
        for (name, message, expected) in answered {
            let socket = try RawSocket(path: daemon.socketPath)
            #expect(socket.send(message))
            let reply = socket.receive()
            if expected == "closed" {
                #expect(reply == nil, "\(name)")
            } else {
                let error = try reply.map { try JSONValue.parse($0) }?["error"]?.stringValue
                #expect(error == expected, "\(name): \(reply ?? "closed")")
                // The same connection still answers a good call.
                #expect(socket.send(#"{"method":"org.varlink.service.GetInfo"}"#))
                #expect(socket.receive()?.contains("qcreditd") == true, "\(name): connection unusable afterwards")
            }
        }

        // A message cut off by the client hanging up changes nothing either.
        let cut = try RawSocket(path: daemon.socketPath)
        #expect(cut.send(#"{"method":"org.qcredit.admin.RegisterEnterprise","parameters":{"code":"9115220107837941X1","na"#, terminated: false))
        cut.shutdownWrite()
        #expect(cut.isClosedByPeer())

        try await stillServes(daemon)
        #expect(daemon.isRunning)
        #expect(try await daemon.call("org.qcredit.query.GetFile", ["code": .string(code)]) == auditBefore)
        await #expect(throws: (any Error).self) {
            try await daemon.call("org.qcredit.query.GetGrade", ["code": "9115220107837941X1"])
        }
    }

    /// README, *Wire behaviour*, each rule sent to the daemon's socket by a client: what closes
    /// the connection, and how numbers are read for integer parameters.
    @Test func theWireRulesHoldAtTheSocket() async throws {
        let daemon = try await DaemonProcess(config: Self.config)
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "Wire Rules Co."])
        let nested = { (depth: Int) in
            // The call's object and its parameters are two levels; arrays make up the rest.
            #"{"method":"org.varlink.service.GetInfo","parameters":{"x":"# + String(repeating: "[", count: depth - 2)
                + String(repeating: "]", count: depth - 2) + "}}"
        }
        for (name, message) in [
            ("a key twice", #"{"method":"org.varlink.service.GetInfo","method":"org.varlink.service.GetInfo"}"#),
            ("an escaped lone surrogate", #"{"method":"org.qcredit.query.FindEnterprises","parameters":{"name":"\ud800"}}"#),
            ("65 levels", nested(65)),
            ("1e400", #"{"method":"org.qcredit.query.FindEnterprises","parameters":{"name":"Wire","limit":1e400}}"#),
        ] {
            let socket = try RawSocket(path: daemon.socketPath)
            #expect(socket.send(message))
            #expect(socket.isClosedByPeer(), "\(name): the connection should close")
        }
        try await stillServes(daemon)

        let find = { (limit: String) in #"{"method":"org.qcredit.query.FindEnterprises","parameters":{"name":"Wire Rules","limit":"# + limit + "}}" }
        for (name, message, expected) in [
            ("64 levels", nested(64), "org.varlink.service.InvalidParameter"),
            ("5.0", find("5.0"), "answered"),
            ("5.000000000000000001", find("5.000000000000000001"), "answered"),
            ("1e3 is 1000", find("1e3"), "org.qcredit.query.InvalidArgument"),
            ("1e-400 is 0", find("1e-400"), "org.qcredit.query.InvalidArgument"),
            ("5.5", find("5.5"), "org.varlink.service.InvalidParameter"),
            ("9007199254740992.0", find("9007199254740992.0"), "org.varlink.service.InvalidParameter"),
            ("1e16", find("1e16"), "org.varlink.service.InvalidParameter"),
            ("upgrade", #"{"method":"org.varlink.service.GetInfo","upgrade":true}"#, "answered"),
        ] {
            let socket = try RawSocket(path: daemon.socketPath)
            #expect(socket.send(message))
            let reply = try #require(try socket.receive().map { try JSONValue.parse($0) }, "\(name): closed")
            #expect(reply["error"]?.stringValue ?? "answered" == expected, "\(name): \(reply)")
            if expected == "org.qcredit.query.InvalidArgument" {
                #expect(reply["parameters"]?["parameter"] == "limit", "\(name): \(reply)")
            }
            if name == "5.0" {
                #expect(reply["parameters"]?["matches"]?.arrayValue?.count == 1, "\(reply)")
            }
        }
    }

    @Test func aMessageWithoutTerminatorDoesNotBlockOthers() async throws {
        let daemon = try await DaemonProcess(config: Self.config)
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "Steady Co."])
        let stuck = try RawSocket(path: daemon.socketPath)
        #expect(stuck.send(#"{"method":"org.varlink.service.GetInfo"}"#, terminated: false))
        try await stillServes(daemon)
        // Once the terminator arrives the message is answered.
        #expect(stuck.send([0]))
        #expect(stuck.receive()?.contains("qcreditd") == true)
    }
}
