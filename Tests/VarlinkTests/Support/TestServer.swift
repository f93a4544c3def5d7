import Foundation
import Logging
import Varlink
import VarlinkNIO

/// A server on a fresh socket in a fresh temporary directory, always shut down.
struct TestServer: Sendable {
    let server: VarlinkServer
    let handler: TestHandler
    let directory: String
    let socketPath: String

    func client() async throws -> VarlinkClient {
        try await VarlinkClient.connect(socketPath: socketPath)
    }

    func raw(firstBytes: [UInt8] = []) async throws -> RawConnection {
        try await RawConnection(socketPath: socketPath, firstBytes: firstBytes)
    }

    static func makeDirectory() -> String {
        var template = Array((NSTemporaryDirectory() + "varlink-test-XXXXXX").utf8CString)
        let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        return path
    }

    static func makeDispatcher(_ handler: any VarlinkHandler) -> VarlinkDispatcher {
        VarlinkDispatcher(info: TestInterface.info, interfaces: [TestInterface.interface], handler: handler)
    }

    static var logger: Logger {
        var logger = Logger(label: "varlink-test")
        logger.logLevel = ProcessInfo.processInfo.environment["VARLINK_TEST_LOG"] != nil ? .trace : .critical
        return logger
    }

    /// Runs `body` against a listening server, then shuts the server down and waits for it.
    /// The server answers `org.example.test` unless another `dispatcher` is given.
    static func with<T: Sendable>(
        configure: (inout VarlinkServer.Configuration) -> Void = { _ in },
        dispatcher: VarlinkDispatcher? = nil,
        logger: Logger = TestServer.logger,
        _ body: @escaping @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let directory = makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/test.sock"
        var configuration = VarlinkServer.Configuration(listen: .unixSocket(path: socketPath))
        configure(&configuration)
        let handler = TestHandler()
        let server = VarlinkServer(
            configuration: configuration, dispatcher: dispatcher ?? makeDispatcher(handler), logger: logger)
        let fixture = TestServer(server: server, handler: handler, directory: directory, socketPath: socketPath)
        let running = Task { try await server.run() }
        let result: Result<T, any Error>
        do {
            try await server.waitUntilListening()
            result = .success(try await body(fixture))
        } catch {
            result = .failure(error)
        }
        server.shutdown()
        try await withTimeout { try await running.value }
        return try result.get()
    }
}
