import Foundation
import QCreditDomain

/// Who a role is granted to: a user name, a group name (primary or supplementary
/// membership) or a numeric uid.
public enum Principal: Sendable, Hashable, CustomStringConvertible {
    case user(String)
    case group(String)
    case uid(UInt32)

    /// Parses `user:NAME`, `group:NAME` or `uid:N`.
    public init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let kind = text[..<colon]
        let value = String(text[text.index(after: colon)...])
        guard !value.isEmpty else { return nil }
        switch kind {
        case "user": self = .user(value)
        case "group": self = .group(value)
        case "uid":
            guard let uid = UInt32(value) else { return nil }
            self = .uid(uid)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .user(let name): return "user:\(name)"
        case .group(let name): return "group:\(name)"
        case .uid(let uid): return "uid:\(uid)"
        }
    }
}

/// Everything `qcreditd` reads from its TOML config file, with the defaults of DESIGN §10.
///
/// ```toml
/// stateDirectory = "/var/lib/qcredit"
/// socket = "/run/qcredit/qcreditd.sock"
/// [roles]
/// bank = ["group:qcredit-bank", "uid:1002"]
/// ```
public struct DaemonConfiguration: Sendable, Equatable {
    public struct Limits: Sendable, Equatable {
        /// The longest request from a peer holding a role that writes (regulator, operator);
        /// a longer message closes the connection.
        public var maxMessageBytes: Int = 8 << 20
        /// The longest request from a peer whose roles only read (bank, auditor): room for a
        /// `GetGrades` of 10,000 codes.
        public var maxMessageBytesReadOnly: Int = 1 << 20
        /// The longest request from a peer holding no role: `org.varlink.service` calls need
        /// little, and such a peer may hold this much unread per connection at most.
        public var maxMessageBytesNoRole: Int = 64 << 10
        /// Connections beyond this are closed at once.
        public var maxConnections: Int = 256
        /// Connections from one uid beyond this are closed at once, so one peer cannot take
        /// every place (a bank's load generator opens 50). Unset in a config file with a smaller
        /// ``maxConnections``: that.
        public var maxConnectionsPerUser: Int = 64
        /// Connections that peers holding no role may hold together, when set: the rest of
        /// ``maxConnections`` stays for peers with a role (four roleless uids at the per-uid
        /// cap otherwise filled every place, and no regulator could connect). Nil: a quarter of
        /// ``maxConnections`` (``connectionsWithoutRole``).
        public var maxConnectionsWithoutRole: Int?

        /// Places of ``maxConnections`` that only peers known to hold a role that writes may
        /// take (16 of 256; none below 16): banks' feeds, never idle, cannot take every place.
        public var connectionsKeptForWriters: Int { maxConnections / 16 }

        /// ``maxConnectionsWithoutRole``, or a quarter of ``maxConnections`` (64 of 256).
        public var connectionsWithoutRole: Int { maxConnectionsWithoutRole ?? max(1, maxConnections / 4) }
        /// A connection with no call in progress is closed after this long.
        public var idleTimeoutSeconds: Int = 300
        /// A connection whose replies have not moved into the socket for this long (the
        /// client stopped reading) is closed.
        public var writeTimeoutSeconds: Int = 30
        /// On SIGTERM, the whole stop ends within this long: calls in progress get
        /// ``shutdownDrainPeriod`` of it to finish, then their connections are closed and the
        /// calls cancelled, and the rest is for the last checkpoint.
        public var shutdownTimeoutSeconds: Int = 10

        /// What calls in progress get of ``shutdownTimeoutSeconds`` on SIGTERM: all of it but
        /// two seconds (a quarter of it when shorter than eight), kept for what follows them —
        /// cancelling, the last checkpoint, folding the write-ahead log. Those are a few fsyncs,
        /// milliseconds on a quiet disk; one second did not always hold them on a loaded
        /// machine (1.9 s measured during a full test run). 8 s of the default 10 s.
        public var shutdownDrainPeriod: Duration {
            let bound = Duration.seconds(shutdownTimeoutSeconds)
            return bound - min(.seconds(2), bound / 4)
        }

        public init() {}

        /// The longest request a peer holding `roles` may send: those that write (``Role/writing``)
        /// may send large batches.
        public func maxMessageBytes(for roles: Set<Role>) -> Int {
            if !roles.isDisjoint(with: Role.writing) { return maxMessageBytes }
            return roles.isEmpty ? maxMessageBytesNoRole : maxMessageBytesReadOnly
        }
    }

    /// The verifiable log: its name and the keys that sign its checkpoints.
    public struct LogSettings: Sendable, Equatable {
        /// The checkpoint origin line; nil means `qcredit.localhost/<host name>`.
        public var origin: String?
        /// The key name in signature lines; nil means the origin.
        public var keyName: String?
        /// PKCS#8 PEM private keys (Ed25519 and/or SM2), each signing every checkpoint; several
        /// during a rotation. Empty means keys kept in the state directory, made on first run.
        public var keyFiles: [String] = []
        /// How soon after a write the log is checkpointed.
        public var checkpointIntervalSeconds: Int = 5

        /// The key files the state directory's `keys/` holds when none are configured (other
        /// files there, such as `qcredit keygen`'s public halves, are not the log's keys).
        public static let stateKeyFileNames = ["ed25519.pem", "sm2.pem"]

        /// The name in the log's signature lines for a log of `origin`.
        public func signatureName(origin: String) -> String { keyName ?? origin }

        /// The origin the daemon signs under: the configured one, else ``defaultOrigin()``.
        public var originInForce: String { origin ?? Self.defaultOrigin() }

        /// `qcredit.localhost/<host name>`, for a config that names no origin.
        public static func defaultOrigin() -> String {
            let host = ProcessInfo.processInfo.hostName.filter { !$0.isWhitespace && $0 != "+" }
            return "qcredit.localhost/\(host.isEmpty ? "dev" : host)"
        }

        public init() {}
    }

    /// Where signed exports go and how many are kept.
    public struct ExportSettings: Sendable, Equatable {
        /// The exports directory; nil means `<stateDirectory>/exports`.
        public var directory: String?
        /// The newest this many exports are kept; older ones are deleted after a new one is written.
        public var retain: Int = 30
        /// The group that may read the restricted parts (every opening); nil: the group their
        /// files get (inherited from a setgid `restricted/`, else the daemon's own).
        public var restrictedGroup: String?

        public init() {}
    }

    public static let defaultStateDirectory = "/var/lib/qcredit"
    public static let defaultSocketPath = "/run/qcredit/qcreditd.sock"

    public var stateDirectory: String = DaemonConfiguration.defaultStateDirectory
    public var socketPath: String = DaemonConfiguration.defaultSocketPath
    /// Permission bits of the socket file: who may connect at all (roles decide the rest).
    public var socketMode: UInt32 = 0o660
    /// Group owning the socket file, so role groups can connect.
    public var socketGroup: String?
    /// The policy file; nil means the policy built into qcredit.
    public var policyPath: String?
    /// The registry's civil time zone, a fixed offset (China has no daylight saving).
    public var utcOffset: UTCOffset = .beijing
    /// How often expiry and escalation run (they also run at start).
    public var maintenanceIntervalSeconds: Int = 300
    /// When the daily regrade runs, in minutes after midnight in the registry's time zone
    /// (`regradeTime = "HH:MM"`; midnight by default, so a grade changes on the day it must).
    public var regradeMinuteOfDay: Int = 0
    /// How long writes must have been quiet before the files they made due today are regraded
    /// (`GetGrade` follows an event within about this long); 0 leaves them to the next tick.
    public var regradeAfterWritesSeconds: Int = 1
    /// WAL pages (4 KiB each) after a commit from which the WAL is copied into the database
    /// file, beside the writer; past four times this, the writer copies it in its commit.
    public var walCheckpointPages: Int = 10_000
    public var limits = Limits()
    public var log = LogSettings()
    public var export = ExportSettings()
    /// Role grants; nil in development mode (no config file), where the user running the
    /// daemon holds every role and nobody else holds any.
    public var roles: [Role: [Principal]]?

    public init() {}

    /// The exports directory in effect.
    public var exportDirectory: String {
        export.directory ?? (stateDirectory as NSString).appendingPathComponent("exports")
    }

    /// Limits that contradict each other are refused: each would silently not hold.
    static func check(_ limits: Limits, section: String) throws(ConfigurationError) {
        // The smallest limit must still take any `org.varlink.service` call and a GetInfo.
        guard limits.maxMessageBytesNoRole >= 4096 else {
            throw ConfigurationError("\(section)maxMessageBytesNoRole: \(limits.maxMessageBytesNoRole) is below 4096 bytes")
        }
        guard limits.maxMessageBytesNoRole <= limits.maxMessageBytesReadOnly, limits.maxMessageBytesReadOnly <= limits.maxMessageBytes
        else {
            throw ConfigurationError(
                "\(section)maxMessageBytesNoRole (\(limits.maxMessageBytesNoRole)) ≤ maxMessageBytesReadOnly "
                    + "(\(limits.maxMessageBytesReadOnly)) ≤ maxMessageBytes (\(limits.maxMessageBytes)) does not hold")
        }
        if let withoutRole = limits.maxConnectionsWithoutRole, withoutRole >= limits.maxConnections {
            throw ConfigurationError(
                "\(section)maxConnectionsWithoutRole (\(withoutRole)) must be below maxConnections "
                    + "(\(limits.maxConnections)), or no place is kept for peers with a role")
        }
        // The default share (a quarter, at least one) takes all of a single connection.
        if limits.connectionsWithoutRole >= limits.maxConnections {
            throw ConfigurationError(
                "\(section)maxConnections (\(limits.maxConnections)) must be at least 2: peers holding no role share a quarter "
                    + "of it (at least one connection), and a place is kept for peers with a role")
        }
        guard limits.maxConnectionsPerUser <= limits.maxConnections else {
            throw ConfigurationError(
                "\(section)maxConnectionsPerUser (\(limits.maxConnectionsPerUser)) exceeds maxConnections (\(limits.maxConnections))")
        }
        // systemd stops waiting after TimeoutStopSec (90 s in the shipped unit) and kills.
        guard limits.shutdownTimeoutSeconds <= 80 else {
            throw ConfigurationError(
                "\(section)shutdownTimeoutSeconds: \(limits.shutdownTimeoutSeconds) leaves no time before systemd's stop timeout "
                    + "(90 s): at most 80")
        }
    }

    public static func load(path: String) throws(ConfigurationError) -> DaemonConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            // The system's reason (no such file, permission denied), which the operator acts on.
            var status = stat()
            let reason =
                stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
                ? "is a directory"
                : access(path, R_OK) == 0 ? "not a file it can read" : String(cString: strerror(errno)).lowercased()
            throw ConfigurationError("\(path): cannot read the config file: \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("\(path): the config file is not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> DaemonConfiguration {
        let root = try TOMLSection.parse(text, file: file)
        do {
            return try configuration(from: root)
        } catch {
            throw ConfigurationError("\(file): \(error.message)")
        }
    }

    private static func configuration(from root: TOMLSection) throws(ConfigurationError) -> DaemonConfiguration {
        try root.rejectUnknownKeys(allowed: [
            "stateDirectory", "socket", "socketMode", "socketGroup", "policy", "timeZone",
            "maintenanceIntervalSeconds", "regradeTime", "regradeAfterWritesSeconds", "walCheckpointPages", "limits", "log",
            "export", "roles",
        ])
        var configuration = DaemonConfiguration()
        configuration.stateDirectory = try root.optionalString("stateDirectory") ?? configuration.stateDirectory
        configuration.socketPath = try root.optionalString("socket") ?? configuration.socketPath
        if let mode = try root.optionalString("socketMode") {
            // Digits only: UInt32(_:radix:) would also take a sign ("+660").
            guard mode.allSatisfy({ ("0"..."7").contains($0) }), let bits = UInt32(mode, radix: 8), bits <= 0o777 else {
                throw ConfigurationError("socketMode: '\(mode)' is not an octal mode such as \"0660\"")
            }
            configuration.socketMode = bits
        }
        configuration.socketGroup = try root.optionalString("socketGroup")
        configuration.policyPath = try root.optionalString("policy")
        if let zone = try root.optionalString("timeZone") {
            // Real offsets run from -12:00 to +14:00.
            guard let offset = UTCOffset(iso: zone), (-12 * 3600...14 * 3600).contains(offset.secondsEast) else {
                throw ConfigurationError("timeZone: '\(zone)' is not a fixed offset from -12:00 to +14:00 such as \"+08:00\"")
            }
            configuration.utcOffset = offset
        }
        configuration.maintenanceIntervalSeconds =
            try positive(root, "maintenanceIntervalSeconds") ?? configuration.maintenanceIntervalSeconds
        if let quiet = try root.optionalInt("regradeAfterWritesSeconds") {
            guard (0...maximumSeconds).contains(quiet) else {
                throw ConfigurationError("regradeAfterWritesSeconds: must be from 0 (regrade at the next maintenance tick) to \(maximumSeconds)")
            }
            configuration.regradeAfterWritesSeconds = quiet
        }
        if let pages = try positive(root, "walCheckpointPages") {
            // Four times the largest is still a WAL of 16 GiB, and SQLite counts pages in 32 bits.
            guard pages <= 1_000_000 else { throw ConfigurationError("walCheckpointPages: must be at most 1000000") }
            configuration.walCheckpointPages = pages
        }
        if let time = try root.optionalString("regradeTime") {
            guard let minute = minuteOfDay(time) else {
                throw ConfigurationError("regradeTime: '\(time)' is not a time of day such as \"02:30\"")
            }
            configuration.regradeMinuteOfDay = minute
        }
        if let section = try root.optionalSection("limits") {
            let settings: [(String, WritableKeyPath<Limits, Int>)] = [
                ("maxMessageBytes", \.maxMessageBytes), ("maxMessageBytesReadOnly", \.maxMessageBytesReadOnly),
                ("maxMessageBytesNoRole", \.maxMessageBytesNoRole), ("maxConnections", \.maxConnections),
                ("maxConnectionsPerUser", \.maxConnectionsPerUser), ("idleTimeoutSeconds", \.idleTimeoutSeconds),
                ("writeTimeoutSeconds", \.writeTimeoutSeconds), ("shutdownTimeoutSeconds", \.shutdownTimeoutSeconds),
            ]
            try section.rejectUnknownKeys(allowed: Set(settings.map(\.0) + ["maxConnectionsWithoutRole"]))
            for (key, path) in settings {
                if let value = try positive(section, key) { configuration.limits[keyPath: path] = value }
            }
            // The per-uid default follows a smaller maxConnections: setting that alone is not
            // refused for a default the operator never wrote.
            if !section.keys.contains("maxConnectionsPerUser") {
                configuration.limits.maxConnectionsPerUser = min(configuration.limits.maxConnectionsPerUser, configuration.limits.maxConnections)
            }
            if let value = try positive(section, "maxConnectionsWithoutRole") { configuration.limits.maxConnectionsWithoutRole = value }
            try Self.check(configuration.limits, section: "limits.")
        }
        if let log = try root.optionalSection("log") {
            try log.rejectUnknownKeys(allowed: ["origin", "keyName", "keys", "checkpointIntervalSeconds"])
            configuration.log.origin = try noteName(log, "origin")
            configuration.log.keyName = try noteName(log, "keyName")
            if let keys = try log.optionalStrings("keys") {
                // Written but empty is a list that went wrong, not the default: the default makes
                // new keys in the state directory, a new signer for the log.
                guard !keys.isEmpty else {
                    throw ConfigurationError("\(log.name("keys")): is empty: list the signing key files, or leave the key out for keys made in the state directory")
                }
                configuration.log.keyFiles = keys
            }
            if let twice = Dictionary(grouping: configuration.log.keyFiles, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                throw ConfigurationError("\(log.name("keys")): \(twice) is listed twice (each key signs every checkpoint once)")
            }
            configuration.log.checkpointIntervalSeconds =
                try positive(log, "checkpointIntervalSeconds") ?? configuration.log.checkpointIntervalSeconds
        }
        if let export = try root.optionalSection("export") {
            try export.rejectUnknownKeys(allowed: ["directory", "retain", "restrictedGroup"])
            configuration.export.directory = try export.optionalString("directory")
            configuration.export.retain = try positive(export, "retain") ?? configuration.export.retain
            if let group = try export.optionalString("restrictedGroup") {
                guard !group.isEmpty else { throw ConfigurationError("\(export.name("restrictedGroup")): must name a group") }
                configuration.export.restrictedGroup = group
            }
        }
        var roles: [Role: [Principal]] = [:]
        if let section = try root.optionalSection("roles") {
            try section.rejectUnknownKeys(allowed: Set(Role.allCases.map(\.rawValue)))
            for role in Role.allCases {
                guard let entries = try section.optionalStrings(role.rawValue) else { continue }
                roles[role] = try entries.map { entry throws(ConfigurationError) in
                    guard let principal = Principal(parsing: entry) else {
                        throw ConfigurationError(
                            "\(section.name(role.rawValue)): '\(entry)' is not user:NAME, group:NAME or uid:N")
                    }
                    return principal
                }
            }
        }
        configuration.roles = roles
        return configuration
    }

    /// `HH:MM` (24-hour) as minutes after midnight.
    private static func minuteOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { ("0"..."9").contains($0) } }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }

    /// A name that can stand in a signed note: non-empty, no spaces, no '+'.
    private static func noteName(_ section: TOMLSection, _ key: String) throws(ConfigurationError) -> String? {
        guard let value = try section.optionalString(key) else { return nil }
        guard !value.isEmpty, !value.contains(where: { $0.isWhitespace || $0 == "+" }) else {
            throw ConfigurationError("\(section.name(key)): '\(value)' must be non-empty, without spaces or '+'")
        }
        return value
    }

    /// The longest interval or timeout a setting may give: a year. Far more would overflow the
    /// clock arithmetic of the timers that use it, after the daemon had started.
    static let maximumSeconds = 365 * 86_400

    private static func positive(_ section: TOMLSection, _ key: String) throws(ConfigurationError) -> Int? {
        guard let value = try section.optionalInt(key) else { return nil }
        guard value > 0 else { throw ConfigurationError("\(section.name(key)): must be greater than 0") }
        if key.hasSuffix("Seconds"), value > maximumSeconds {
            throw ConfigurationError("\(section.name(key)): must be at most \(maximumSeconds) (a year)")
        }
        return value
    }
}
