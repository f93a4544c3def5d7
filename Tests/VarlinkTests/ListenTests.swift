import Foundation
import Testing
import Varlink
import VarlinkNIO

/// Where the server listens: stale and live socket files, permissions, inherited descriptors.
@Suite struct ListenTests {
    private func makeServer(_ listen: VarlinkServer.Configuration.Listen, mode: mode_t? = 0o660) -> VarlinkServer {
        VarlinkServer(
            configuration: .init(listen: listen, socketMode: mode),
            dispatcher: TestServer.makeDispatcher(TestHandler()), logger: TestServer.logger)
    }

    /// A socket file nobody listens on, as a crashed server leaves it.
    private func makeStaleSocket(at path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(result == 0)
    }

    private func ping(_ path: String) async throws -> Bool {
        let client = try await VarlinkClient.connect(socketPath: path)
        defer { Task { await client.close() } }
        return try await client.call("org.example.test.Ping", parameters: ["text": "x"]) == ["text": "x"]
    }

    @Test func replacesAStaleSocketAndSetsTheMode() async throws {
        let directory = TestServer.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/stale.sock"
        try makeStaleSocket(at: path)
        let server = makeServer(.unixSocket(path: path), mode: 0o600)
        let running = Task { try await server.run() }
        try await server.waitUntilListening()
        var status = stat()
        #expect(lstat(path, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o600)
        #expect(try await ping(path))
        server.shutdown()
        try await withTimeout { try await running.value }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func refusesToStealALiveSocket() async throws {
        try await TestServer.with { (first: TestServer) async throws in
            let second = makeServer(.unixSocket(path: first.socketPath))
            await #expect(throws: VarlinkServerError.addressInUse(path: first.socketPath)) { try await second.run() }
            await #expect(throws: VarlinkServerError.addressInUse(path: first.socketPath)) {
                try await second.waitUntilListening()
            }
            #expect(try await ping(first.socketPath))
        }
    }

    @Test func refusesToRemoveAFileThatIsNotASocket() async throws {
        let directory = TestServer.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/data.txt"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: path))
        await #expect(throws: VarlinkServerError.notASocket(path: path)) {
            try await makeServer(.unixSocket(path: path)).run()
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
    }

    @Test func servesAnInheritedListeningDescriptor() async throws {
        let directory = TestServer.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/activated.sock"
        try makeStaleSocket(at: path)
        try FileManager.default.removeItem(atPath: path)
        // Bound and listening, as systemd would hand it over.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        try #require(listen(fd, 16) == 0)

        let server = makeServer(.listeningDescriptor(fd))
        let running = Task { try await server.run() }
        try await server.waitUntilListening()
        #expect(try await ping(path))
        server.shutdown()
        try await withTimeout { try await running.value }
        // The socket file belongs to whoever created it (systemd): it stays.
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func manyClientsAtOnce() async throws {
        try await TestServer.with { server in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for clientNumber in 0..<40 {
                    group.addTask {
                        let client = try await server.client()
                        for call in 0..<25 {
                            let text = "client \(clientNumber) call \(call)"
                            #expect(try await client.call("org.example.test.Ping", parameters: ["text": .string(text)]) == ["text": .string(text)])
                        }
                        await client.close()
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}
