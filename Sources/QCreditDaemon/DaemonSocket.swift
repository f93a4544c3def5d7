import Foundation
import Glibc
import Logging
import QCreditConfig
import VarlinkNIO

/// Where the daemon listens: the socket systemd passed (socket activation, `qcreditd.socket`),
/// else the configured path, bound here with the configured mode and group.
struct DaemonSocket {
    /// The server configuration's socket part (`listen`, `socketMode`, `socketGroup`); the
    /// caller sets the limits.
    var serverConfiguration: VarlinkServer.Configuration
    /// Where clients connect, for logs and systemd's status line.
    var description: String
    /// Whether systemd passed the socket.
    var activated: Bool

    static func resolve(configuration: DaemonConfiguration, environment: [String: String], logger: Logger) throws
        -> DaemonSocket
    {
        if let activation = SocketActivation.passed(environment: environment) {
            let path = try activation.prepare()
            let place = path ?? "fd \(activation.descriptor)"
            logger.notice(
                "serving the socket passed by systemd (socket activation); the configured socket path is not bound",
                metadata: [
                    "fd": "\(activation.descriptor)", "name": "\(activation.name ?? "-")",
                    "LISTEN_FDS": "\(activation.count)",
                    "LISTEN_FDNAMES": "\(environment["LISTEN_FDNAMES"] ?? "-")",
                    "path": "\(path ?? "-")", "configuredSocket": "\(configuration.socketPath)",
                ])
            if activation.count > 1 {
                logger.warning(
                    "systemd passed \(activation.count) sockets; serving fd \(activation.descriptor) only")
            }
            return DaemonSocket(
                serverConfiguration: VarlinkServer.Configuration(listen: .listeningDescriptor(activation.descriptor)),
                description: "\(place) (socket from systemd)", activated: true)
        }

        // Checked here, before anything is written: bind(2) would refuse it only after the
        // database was opened and keys made.
        let limit = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1
        guard configuration.socketPath.utf8.count <= limit else {
            throw ConfigurationError(
                "socket: the path \(configuration.socketPath) is \(configuration.socketPath.utf8.count) bytes; a Unix socket's "
                    + "path holds at most \(limit) (choose a shorter one)")
        }
        // A second daemon on the same socket is refused before it makes a state directory of its own.
        try VarlinkServer.checkSocketPathIsFree(configuration.socketPath)
        var serverConfiguration = VarlinkServer.Configuration(listen: .unixSocket(path: configuration.socketPath))
        serverConfiguration.socketMode = mode_t(configuration.socketMode)
        if let group = configuration.socketGroup {
            guard let gid = SystemAccounts.gid(groupName: group) else {
                throw ConfigurationError("socketGroup: no group named \(group)")
            }
            serverConfiguration.socketGroup = gid
        }
        return DaemonSocket(
            serverConfiguration: serverConfiguration, description: configuration.socketPath, activated: false)
    }
}
