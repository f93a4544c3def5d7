import Foundation
import QCreditConfig

/// The settings the daemon runs with: the config file (if any) overridden by flags and the
/// environment, as the README's config reference describes.
struct DaemonSettings: Sendable {
    var configuration: DaemonConfiguration
    /// No config file: the user running the daemon holds every role.
    var developmentMode: Bool
    var configPath: String?
    /// Whether `--state-dir` gave the state directory (else the config file or the default).
    var stateDirectoryFromFlag = false

    /// How a refusal names the state directory's setting: the flag that gave it, else the
    /// config file's setting (said with the file's path).
    var stateDirectorySetting: String { stateDirectoryFromFlag ? "--state-dir" : "stateDirectory" }

    var databasePath: String { (configuration.stateDirectory as NSString).appendingPathComponent("registry.sqlite") }

    static func resolve(
        configPath: String?, stateDirectory: String?, socket: String?, environment: [String: String]
    ) throws -> DaemonSettings {
        // An empty flag is most often an unset shell variable (`--socket "$SOCK"`): refused, where
        // it fell back to the system's socket, or to a Foundation error for the state directory.
        for (flag, value) in [("--socket", socket), ("--state-dir", stateDirectory), ("--config", configPath)] where value?.isEmpty == true {
            throw ConfigurationError("\(flag): the path is empty")
        }
        var configuration = try configPath.map { path throws(ConfigurationError) in try DaemonConfiguration.load(path: path) }
            ?? DaemonConfiguration()
        if let stateDirectory { configuration.stateDirectory = stateDirectory }
        configuration.socketPath = SocketLocation.resolve(
            flag: socket, environment: environment, configured: configPath == nil ? nil : configuration.socketPath)
        // Folders named relative to where the daemon started are told to clients (an export's
        // or a backup's directory): from where they are, only an absolute path names them. The
        // socket's path stays as given: bound as it is, it fits sun_path where a longer one may not.
        configuration.stateDirectory = Self.absolute(configuration.stateDirectory)
        if let exports = configuration.export.directory { configuration.export.directory = Self.absolute(exports) }
        return DaemonSettings(
            configuration: configuration, developmentMode: configPath == nil, configPath: configPath,
            stateDirectoryFromFlag: stateDirectory != nil)
    }

    /// `path` from the working directory; an empty one stays empty, to be refused as such.
    static func absolute(_ path: String) -> String {
        path.isEmpty || path.hasPrefix("/") ? path : URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
