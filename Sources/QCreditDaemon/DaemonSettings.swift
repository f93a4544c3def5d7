import Foundation
import QCreditConfig

/// The settings the daemon runs with: the config file (if any) overridden by flags and the
/// environment, as the README's config reference describes.
struct DaemonSettings: Sendable {
    var configuration: DaemonConfiguration
    /// No config file: the user running the daemon holds every role.
    var developmentMode: Bool
    var configPath: String?

    var databasePath: String { (configuration.stateDirectory as NSString).appendingPathComponent("registry.sqlite") }

    static func resolve(
        configPath: String?, stateDirectory: String?, socket: String?, environment: [String: String]
    ) throws -> DaemonSettings {
        var configuration = try configPath.map { path throws(ConfigurationError) in try DaemonConfiguration.load(path: path) }
            ?? DaemonConfiguration()
        if let stateDirectory { configuration.stateDirectory = stateDirectory }
        configuration.socketPath = SocketLocation.resolve(
            flag: socket, environment: environment, configured: configPath == nil ? nil : configuration.socketPath)
        return DaemonSettings(configuration: configuration, developmentMode: configPath == nil, configPath: configPath)
    }
}
