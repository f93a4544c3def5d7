import Logging
import ServiceLifecycle
import VarlinkNIO

/// Tells systemd how the daemon is doing (`Type=notify`): `READY=1` once the varlink server
/// accepts connections, `WATCHDOG=1` every half watchdog interval while it runs, and
/// `STOPPING=1` as soon as graceful shutdown starts.
///
/// Register it **last** in the service group: services shut down in reverse order, so this one
/// hears of SIGTERM first and reports `STOPPING=1` before the server drains its connections.
struct SystemdNotifyService: Service {
    let notifier: SystemdNotifier
    let server: VarlinkServer
    /// Half of `WATCHDOG_USEC`, or nil when systemd runs no watchdog for us.
    let watchdogInterval: Duration?
    /// The `STATUS=` text once ready, e.g. where the daemon serves.
    let readyStatus: String
    let logger: Logger

    func run() async {
        do {
            // The server's bind always ends, well or badly, so this wait cannot outlive it.
            try await server.waitUntilListening()
        } catch {
            // The server's failure ends the group; systemd sees the exit status. Stay until then.
            let reason = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
            notifier.send("STATUS=Cannot listen: \(reason)")
            try? await gracefulShutdown()
            notifier.send("STOPPING=1")
            return
        }
        notifier.send("READY=1\nSTATUS=\(readyStatus)")
        logger.debug("told systemd the daemon is ready", metadata: ["watchdog": "\(watchdogInterval.map { "\($0)" } ?? "off")"])

        if let watchdogInterval {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                // The ping proves Swift concurrency still schedules work: a starved or
                // deadlocked pool stops it, and systemd restarts the daemon.
                notifier.send("WATCHDOG=1")
                try? await cancelWhenGracefulShutdown { try await EventLoopSleep.sleep(for: watchdogInterval) }
            }
        } else {
            try? await gracefulShutdown()
        }
        // Graceful shutdown (or cancellation) has begun; the server drains after this returns.
        notifier.send("STOPPING=1\nSTATUS=Stopping: finishing calls in progress")
    }
}

extension SystemdNotifyService {
    /// The notifier as the service group's last entry when `$NOTIFY_SOCKET` asks for one;
    /// nothing otherwise.
    static func configurations(environment: [String: String], server: VarlinkServer, readyStatus: String)
        -> [ServiceGroupConfiguration.ServiceConfiguration]
    {
        let logger = Logger(label: "qcredit.systemd")
        guard let notifier = SystemdNotifier(environment: environment, logger: logger) else { return [] }
        let service = SystemdNotifyService(
            notifier: notifier, server: server, watchdogInterval: SystemdNotifier.watchdogInterval(environment: environment),
            readyStatus: readyStatus, logger: logger)
        return [.init(service: service)]
    }
}
