import ServiceLifecycle
import VarlinkNIO

/// The varlink server as a lifecycle service: graceful shutdown stops accepting, lets calls
/// in progress finish and their replies go out, then closes the connections.
struct VarlinkServerService: Service {
    let server: VarlinkServer
    /// Told first when graceful shutdown starts: work a call may not finish within the bound
    /// (an export) stops, so its call can still send its reply before connections close.
    var stopping: @Sendable () -> Void = {}

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: {
            stopping()
            server.shutdown()
        }
    }
}
