import CanonicalJSON
import Foundation
import Testing
import Varlink
import VarlinkNIO

/// Calls over a real socket: introspection, errors, validation, ordering, streams, oneway.
@Suite struct ServerProtocolTests {
    @Test func introspection() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let info = try await client.call("org.varlink.service.GetInfo")
            #expect(info["interfaces"] == ["org.varlink.service", "org.example.test"])
            #expect(info["vendor"] == "qcredit tests")
            try VarlinkInterface.service.validateOutput(method: "GetInfo", parameters: info)
            let description = try await client.call(
                "org.varlink.service.GetInterfaceDescription", parameters: ["interface": "org.example.test"])
            #expect(description["description"]?.stringValue == TestInterface.text)
            let service = try await client.call(
                "org.varlink.service.GetInterfaceDescription", parameters: ["interface": "org.varlink.service"])
            #expect(try VarlinkInterface(parsing: service["description"]?.stringValue ?? "").name == "org.varlink.service")
            await client.close()
        }
    }

    @Test func unknownInterfaceAndMethod() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            await #expect(throws: VarlinkError.interfaceNotFound("org.example.nope")) {
                try await client.call("org.example.nope.Ping")
            }
            await #expect(throws: VarlinkError.methodNotFound("org.example.test.Pong")) {
                try await client.call("org.example.test.Pong")
            }
            // The connection is still usable.
            #expect(try await client.call("org.example.test.Ping", parameters: ["text": "ok"]) == ["text": "ok"])
            await client.close()
        }
    }

    @Test func wrongParameterTypes() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let cases: [(String, [String: JSONValue], String)] = [
                ("Ping", ["text": 5], "text"),
                ("Ping", [:], "text"),
                ("Ping", ["text": "x", "other": true], "other"),
                ("Count", ["count": 2.5], "count"),
                ("Store", ["item": ["name": "a", "kind": "medium"]], "item.kind"),
                ("Store", ["item": ["name": 1, "kind": "small"]], "item.name"),
                ("Store", ["item": ["name": "a", "kind": "small", "tags": [1]]], "item.tags[0]"),
                ("Store", ["item": ["name": "a", "kind": "small"], "labels": ["k": false]], #"labels["k"]"#),
            ]
            for (method, parameters, field) in cases {
                await #expect(throws: VarlinkError.invalidParameter(field), "\(method) \(parameters)") {
                    try await client.call("org.example.test." + method, parameters: parameters)
                }
            }
            #expect(
                try await client.call("org.example.test.Store", parameters: ["item": ["name": "a", "kind": "large"]])
                    == ["stored": true])
            await client.close()
        }
    }

    @Test func valuesThatAreNotCallsGetInvalidParameterAndTheConnectionGoesOn() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send("[1,2,3]\0{\"method\":\"org.example.test.Ping\",\"parameters\":[]}\0")
            try await raw.send(#"{"method":"org.example.test.Ping","parameters":{"text":"still here"}}"# + "\0")
            #expect(try await raw.nextFrame() == #"{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"method"}}"#)
            #expect(try await raw.nextFrame() == #"{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"parameters"}}"#)
            #expect(try await raw.nextFrame() == #"{"parameters":{"text":"still here"}}"#)
            await raw.close()
        }
    }

    @Test func pipelinedCallsAreAnsweredInOrder() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            var batch = ""
            for n in 0..<100 {
                let method = n % 10 == 3 ? "org.example.test.Nope" : "org.example.test.Ping"
                batch += #"{"method":"\#(method)","parameters":{"text":"\#(n)"}}"# + "\0"
            }
            try await raw.send(batch)
            for n in 0..<100 {
                let expected =
                    n % 10 == 3
                    ? #"{"error":"org.varlink.service.MethodNotFound","parameters":{"method":"org.example.test.Nope"}}"#
                    : #"{"parameters":{"text":"\#(n)"}}"#
                #expect(try await raw.nextFrame() == expected)
            }
            await raw.close()
        }
    }

    @Test func concurrentClientCallsArePipelinedSafely() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<200 {
                    group.addTask {
                        let text = JSONValue.string("call \(n)")
                        if n % 7 == 0 {
                            var values: [[String: JSONValue]] = []
                            for try await value in client.stream("org.example.test.Count", parameters: ["count": 3]) {
                                values.append(value)
                            }
                            #expect(values == [["n": 1], ["n": 2], ["n": 3]])
                        } else {
                            #expect(try await client.call("org.example.test.Ping", parameters: ["text": text]) == ["text": text])
                        }
                    }
                }
                try await group.waitForAll()
            }
            await client.close()
        }
    }

    @Test func streamingWithMore() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            var values: [Int64] = []
            for try await reply in client.stream("org.example.test.Count", parameters: ["count": 5]) {
                try TestInterface.interface.validateOutput(method: "Count", parameters: reply)
                values.append(reply["n"]?.intValue ?? -1)
            }
            #expect(values == [1, 2, 3, 4, 5])
            // The same on the wire: continues on all but the last.
            let raw = try await server.raw()
            try await raw.send(#"{"method":"org.example.test.Count","parameters":{"count":2},"more":true}"# + "\0")
            #expect(try await raw.nextFrame() == #"{"continues":true,"parameters":{"n":1}}"#)
            #expect(try await raw.nextFrame() == #"{"parameters":{"n":2}}"#)
            await raw.close()
            await client.close()
        }
    }

    @Test func rawClientReplies() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let error = try await client.reply(to: VarlinkCall(method: "org.example.test.Fail", parameters: ["code": 1]))
            #expect(error == VarlinkReply(parameters: ["code": 1], error: "org.example.test.NotFound"))
            var replies: [VarlinkReply] = []
            for try await reply in client.replies(to: VarlinkCall(method: "org.example.test.Count", parameters: ["count": 2], more: true)) {
                replies.append(reply)
            }
            #expect(replies == [VarlinkReply(parameters: ["n": 1], continues: true), VarlinkReply(parameters: ["n": 2])])
            let silent = try await client.reply(
                to: VarlinkCall(method: "org.example.test.Remember", parameters: ["value": "v"], oneway: true))
            #expect(silent == VarlinkReply())
            #expect(try await client.call("org.example.test.Recall") == ["values": ["v"]])
            await client.close()
            await #expect(throws: VarlinkClientError.connectionClosed) { try await client.call("org.example.test.Recall") }
        }
    }

    @Test func streamingMethodWithoutMoreIsExpectedMore() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            await #expect(throws: VarlinkError.expectedMore()) {
                try await client.call("org.example.test.Count", parameters: ["count": 3])
            }
            await client.close()
        }
    }

    @Test func onewayCallsGetNoReply() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(
                #"{"method":"org.example.test.Remember","parameters":{"value":"raw"},"oneway":true}"# + "\0"
                    + #"{"method":"org.example.test.Nope","oneway":true}"# + "\0"
                    + #"{"method":"org.example.test.Ping","parameters":{"text":"after"}}"# + "\0")
            #expect(try await raw.nextFrame() == #"{"parameters":{"text":"after"}}"#)
            await raw.close()

            let client = try await server.client()
            try await client.oneway("org.example.test.Remember", parameters: ["value": "client"])
            #expect(try await client.call("org.example.test.Recall") == ["values": ["raw", "client"]])
            await client.close()
        }
    }

    @Test func errorsConformToTheInterface() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            do {
                _ = try await client.call("org.example.test.Fail", parameters: ["code": 404])
                Issue.record("Fail did not fail")
            } catch let error as VarlinkError {
                #expect(error == VarlinkError(name: "org.example.test.NotFound", parameters: ["code": 404]))
                try TestInterface.interface.validateError(name: error.name, parameters: error.parameters)
            }
            await #expect(throws: VarlinkError.internalError()) { try await client.call("org.example.test.Crash") }
            #expect(try await client.call("org.example.test.Quiet") == [:])
            await client.close()
        }
    }

    @Test func peerCredentialsAreTheCallers() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let first = try await client.call("org.example.test.WhoAmI")
            #expect(first["uid"]?.intValue == Int64(getuid()))
            #expect(first["gid"]?.intValue == Int64(getgid()))
            #expect(first["pid"]?.intValue == Int64(getpid()))
            let again = try await client.call("org.example.test.WhoAmI")
            #expect(again["connection"] == first["connection"])
            let other = try await server.client()
            #expect(try await other.call("org.example.test.WhoAmI")["connection"] != first["connection"])
            await other.close()
            await client.close()
        }
    }
}
