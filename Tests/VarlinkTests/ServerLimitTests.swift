import CanonicalJSON
import Foundation
import Testing
import Varlink
import VarlinkNIO

/// What closes a connection (and what must not), without disturbing the others.
@Suite struct ServerLimitTests {
    @Test func missingTerminatorWaitsWhileOtherConnectionsAreServed() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(#"{"method":"org.example.test.Ping","parameters":{"text":"first"}}"#)
            let client = try await server.client()
            #expect(try await client.call("org.example.test.Ping", parameters: ["text": "second"]) == ["text": "second"])
            await client.close()
            // The terminator completes the waiting message.
            try await raw.send([0])
            #expect(try await raw.nextFrame() == #"{"parameters":{"text":"first"}}"#)
            await raw.close()
        }
    }

    @Test(arguments: [
        Array("this is not json\0".utf8),
        Array(#"{"method":"org.example.test.Ping","parameters":{"text":""#.utf8) + [0xC3, 0x28] + Array("\"}}\0".utf8),
        Array((#"{"method":"org.example.test.Ping","parameters":{"text":"#
            + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}}\0").utf8),
        [0],
    ])
    func malformedMessagesCloseTheConnection(_ bytes: [UInt8]) async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let raw = try await server.raw()
            try await raw.send(#"{"method":"org.example.test.Ping","parameters":{"text":"before"}}"# + "\0")
            try await raw.send(bytes)
            #expect(try await raw.nextFrame() == #"{"parameters":{"text":"before"}}"#)
            #expect(try await raw.expectClosed())
            await raw.close()
            // Other connections, old and new, keep being served.
            #expect(try await client.call("org.example.test.Ping", parameters: ["text": "a"]) == ["text": "a"])
            let fresh = try await server.client()
            #expect(try await fresh.call("org.example.test.Ping", parameters: ["text": "b"]) == ["text": "b"])
            await fresh.close()
            await client.close()
        }
    }

    @Test func oversizedMessagesCloseTheConnection() async throws {
        try await TestServer.with(configure: { $0.maxMessageBytes = 1024 }) { server in
            // No terminator at all.
            let endless = try await server.raw()
            try await endless.send(Array(repeating: UInt8(ascii: " "), count: 4096))
            #expect(try await endless.expectClosed())
            await endless.close()
            // A complete message, but too long.
            let long = try await server.raw()
            let text = String(repeating: "x", count: 2000)
            try await long.send(#"{"method":"org.example.test.Ping","parameters":{"text":""# + text + "\"}}\0")
            #expect(try await long.expectClosed())
            await long.close()
            // Exactly at the limit is fine.
            let client = try await server.client()
            let padding = String(repeating: "y", count: 1024 - #"{"method":"org.example.test.Ping","parameters":{"text":""}}"#.utf8.count)
            #expect(try await client.call("org.example.test.Ping", parameters: ["text": .string(padding)]) == ["text": .string(padding)])
            await client.close()
        }
    }

    @Test func connectionLimit() async throws {
        try await TestServer.with(configure: { $0.maxConnections = 2 }) { server in
            let first = try await server.client()
            let second = try await server.client()
            #expect(try await first.call("org.example.test.Ping", parameters: ["text": "1"]) == ["text": "1"])
            #expect(try await second.call("org.example.test.Ping", parameters: ["text": "2"]) == ["text": "2"])
            let third = try await server.raw()
            #expect(try await third.expectClosed())
            await third.close()
            // Those already connected keep being served; a freed place can be taken.
            #expect(try await first.call("org.example.test.Ping", parameters: ["text": "1"]) == ["text": "1"])
            await second.close()
            try await waitUntil { server.server.connectionCount < 2 }
            let fourth = try await server.client()
            #expect(try await fourth.call("org.example.test.Ping", parameters: ["text": "4"]) == ["text": "4"])
            await fourth.close()
            await first.close()
        }
    }

    @Test func idleConnectionsAreClosedButLongCallsAreNot() async throws {
        try await TestServer.with(configure: { $0.idleTimeout = .milliseconds(300) }) { server in
            // Each call is sent the moment its connection is up: only the server's timer is timed.
            let slow = try await server.raw(firstBytes: Array(
                (#"{"method":"org.example.test.Slow","parameters":{"milliseconds":1200}}"# + "\0").utf8))
            let quick = try await server.raw(firstBytes: Array(
                (#"{"method":"org.example.test.Ping","parameters":{"text":"x"}}"# + "\0").utf8))
            #expect(try await quick.nextFrame() == #"{"parameters":{"text":"x"}}"#)
            #expect(try await quick.expectClosed(timeout: 10))
            // A call four times longer than the idle timeout is answered, then its idle connection closes.
            #expect(try await slow.nextFrame() == #"{"parameters":{"slept":1200}}"#)
            #expect(try await slow.expectClosed(timeout: 10))
            try await waitUntil { server.server.connectionCount == 0 }
            await quick.close()
            await slow.close()
        }
    }
}
