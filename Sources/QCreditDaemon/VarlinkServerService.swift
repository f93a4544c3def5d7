import ServiceLifecycle
import VarlinkNIO

/// The varlink server as a lifecycle service: graceful shutdown stops accepting, lets calls
/// in progress finish and their replies go out, then closes the connections.
struct VarlinkServerService: Service {
    let server: VarlinkServer

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: {
            server.shutdown()
        }
    }
}
