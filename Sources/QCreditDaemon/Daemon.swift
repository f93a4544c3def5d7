import Foundation
import Glibc
import Logging
import NIOCore
import NIOPosix
import QCreditConfig
import QCreditDomain
import QCreditExport
import QCreditLog
import QCreditRegistry
import QCreditService
import QCreditStore
import ServiceLifecycle
import Varlink
import VarlinkNIO

/// qcreditd: opens the registry, serves it on its socket and runs maintenance until SIGTERM
/// or SIGINT, then drains calls in progress (for at most `shutdownTimeoutSeconds`), stops
/// maintenance, signs a last checkpoint and exits.
public enum Daemon {
    public static let version = "0.1.0"

    /// Creates `path` if missing; a failure names the setting that gave the path, and why.
    private static func makeDirectory(_ path: String, mode: Int, setting: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch {
            throw ConfigurationError("\(setting): cannot create or use the directory \(path): \(FileErrors.text(of: error))")
        }
    }

    /// The database (every opening, disclosed or not), its -wal and -shm (SQLite gives them the
    /// database file's mode) and `checkpoint` are the daemon's alone, whatever umask made them
    /// (one before this daemon's, or a copy put back by hand): group and other bits are taken
    /// off at start. (`checkpoint-history`, public sizes and roots, is 0644 wherever it is.)
    static func restrictStateFiles(in stateDirectory: String, logger: Logger) {
        for name in ["registry.sqlite", "registry.sqlite-wal", "registry.sqlite-shm", "checkpoint"] {
            let path = (stateDirectory as NSString).appendingPathComponent(name)
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_mode & 0o077 != 0 else { continue }
            if chmod(path, status.st_mode & 0o700) == 0 {
                logger.notice("made a state file private: it was readable by others", metadata: ["file": "\(path)"])
            } else {
                logger.warning(
                    "a state file is readable by others and could not be made private", metadata: ["file": "\(path)", "error": "\(String(cString: strerror(errno)))"])
            }
        }
    }

    /// Refuses a directory that `makeDirectory` could not make or use, without making it: an
    /// empty path, a file in the way, or no permission to write where it goes.
    private static func refuseUnusableDirectory(_ path: String, setting: String) throws {
        func refuse(_ reason: String) -> ConfigurationError {
            ConfigurationError("\(setting): cannot create or use the directory \(path): \(reason)")
        }
        guard !path.isEmpty else { throw refuse("the path is empty") }
        var existing = path
        var status = stat()
        while stat(existing, &status) != 0 {
            guard errno == ENOENT || errno == ENOTDIR else { throw refuse("\(existing): \(String(cString: strerror(errno)))") }
            let parent = FilePaths.parent(of: existing)
            existing = parent.isEmpty ? "." : parent
        }
        guard status.st_mode & S_IFMT == S_IFDIR else { throw refuse("\(existing) is not a directory") }
        guard access(existing, W_OK | X_OK) == 0 else {
            let reason = String(cString: strerror(errno))
            throw refuse(existing == path ? reason : "\(existing): \(reason)")
        }
    }

    static func run(settings: DaemonSettings, logger: Logger) async throws {
        let configuration = settings.configuration
        // Everything the config names (the policy, groups, key files) is read and checked before
        // anything is written: a refused start leaves the state and export directories as they were.
        // A setting refused here is named with its file, as those refused while parsing are.
        let inConfigFile = { (message: String) in ConfigurationError(settings.configPath.map { "\($0): \(message)" } ?? message) }
        let policy =
            try configuration.policyPath.map { path throws(ConfigurationError) in
                do {
                    return try PolicyFile.load(path: path)
                } catch {
                    // The setting that named the file, as every other refused setting is named.
                    throw inConfigFile("policy: \(error)")
                }
            }
            ?? PolicyFile.defaultPolicy()
        do {
            try DescriptorLimit.ensure(maxConnections: configuration.limits.maxConnections)
        } catch {
            throw inConfigFile(error.message)
        }
        let restrictedGroup = try configuration.export.restrictedGroup.map { name throws(ConfigurationError) in
            guard let id = SystemAccounts.gid(groupName: name) else {
                throw inConfigFile("export.restrictedGroup: no group named \(name)")
            }
            return RestrictedGroup(name: name, id: id)
        }
        // The socket systemd passed (qcreditd.socket), else the configured path bound here.
        let environment = ProcessInfo.processInfo.environment
        let origin = configuration.log.originInForce
        let keyName = configuration.log.signatureName(origin: origin)
        let socket: DaemonSocket
        let configuredKeys: [LogSigningKey]?
        let socketDirectory: String
        // The state directory first: the exports directory is inside it unless configured, and a
        // refusal must name the setting the operator gave (it named export.directory).
        do {
            try refuseUnusableDirectory(configuration.stateDirectory, setting: settings.stateDirectorySetting)
        } catch let error as ConfigurationError {
            throw settings.stateDirectoryFromFlag ? error : inConfigFile(error.message)
        }
        do {
            socket = try DaemonSocket.resolve(configuration: configuration, environment: environment, logger: logger)
            configuredKeys = try LogKeys.loadConfigured(configuration.log, name: keyName)
            try refuseUnusableDirectory(configuration.exportDirectory, setting: "export.directory")
            // The configured socket's directory, made if missing (not when systemd passed the socket).
            socketDirectory = socket.activated ? "" : FilePaths.parent(of: configuration.socketPath)
            if !socketDirectory.isEmpty { try refuseUnusableDirectory(socketDirectory, setting: "socket") }
        } catch let error as ConfigurationError {
            throw inConfigFile(error.message)
        } catch let error as LogKeysError {
            throw inConfigFile(error.description)
        }

        let checkpointFile = (configuration.stateDirectory as NSString).appendingPathComponent("checkpoint")
        // Where every signed tree is recorded out of the database's reach (a restore).
        let historyFiles = [configuration.stateDirectory, configuration.exportDirectory].map {
            ($0 as NSString).appendingPathComponent(CheckpointHistory.fileName)
        }
        // What needs the state directory's records is read from them without writing (a read-only
        // look at the database), before the directory is locked or its database opened for
        // writing, which touches the file even when nothing else is written: a changed policy
        // under a published version, and signing keys (the development keys' modes included) that
        // did not sign the log's newest checkpoint. Opening it repeats both checks.
        try Registry.refuseChangedRules(
            policy, published: RegistryDatabase.publishedPolicy(version: policy.version, inDatabaseAt: settings.databasePath),
            source: configuration.policyPath ?? "the built-in policy")
        let keysOnRecord = try configuredKeys ?? LogKeys.loadExisting(stateDirectory: configuration.stateDirectory, name: keyName)
        let notes = [
            try TransparencyLogService.readCheckpointFile(checkpointFile).map { (note: $0, source: checkpointFile) },
            RegistryDatabase.latestCheckpoint(inDatabaseAt: settings.databasePath).map { (note: $0, source: "the database") },
        ].compactMap { $0 }
        let newestNote = notes.map(\.note).max { $0.size < $1.size }
        // The newest export holds a signed tree too: with both histories lost (a file-level
        // restore of the state directory, a recreated exports directory), it still keeps the
        // daemon from signing another root for a size it signed. Read once, here and below.
        let exported = Self.newestExportedTree(in: configuration.exportDirectory, origin: origin)
        var onRecord = try historyFiles.compactMap { path in try CheckpointHistory(path: path).newest().map { (tree: $0, source: path) } }
        onRecord += notes.map { (SignedTree(size: $0.note.size, rootHash: $0.note.rootHash), $0.source) }
        onRecord += exported
        let newestOnRecord = onRecord.max { $0.tree.size < $1.tree.size }
        let newestSigned = newestOnRecord?.tree
        if !keysOnRecord.isEmpty {
            // Checked against the newest note on record, unless the log signed a larger tree
            // since (the histories say so: an older backup restored): keys rotated since would
            // look wrong, and what is wrong is the records the database lacks, refused with
            // their range once it is open.
            if (newestSigned?.size ?? 0) <= (newestNote?.size ?? 0) {
                try LogKeys.checkTheySignedTheLog(keysOnRecord, newest: newestNote)
            }
        } else {
            // No key at all for a log that signed before (a state directory restored without
            // its keys): refused here, before keys/, exports/ or the lock file are made.
            try LogKeys.refuseToMakeKeys(
                stateDirectory: configuration.stateDirectory, newestSigned: newestSigned, source: newestOnRecord?.source,
                exportDirectory: configuration.exportDirectory)
        }
        // No database (a state directory lost, restore not yet run) for a log that signed: refused
        // with the records it lacks before the state directory, its lock file or an empty
        // database are made, which `qcredit restore` would then have to move aside.
        if !FileManager.default.fileExists(atPath: settings.databasePath), let newestOnRecord, newestOnRecord.tree.size > 0 {
            throw LogError.databaseMissing(signed: newestOnRecord.tree, path: settings.databasePath, source: newestOnRecord.source)
        }
        let stateDirectoryWasThere = FileManager.default.fileExists(atPath: configuration.stateDirectory)
        try makeDirectory(configuration.stateDirectory, mode: 0o700, setting: settings.stateDirectorySetting)
        // Held until the process ends: no second daemon, and no `qcredit restore`, meanwhile.
        let stateLock = try StateDirectoryLock(directory: configuration.stateDirectory)
        defer { withExtendedLifetime(stateLock) {} }
        let leftovers = stateLock.removeLeftovers()
        if !leftovers.isEmpty {
            logger.notice("removed what a killed process left in the state directory", metadata: ["names": "\(leftovers)"])
        }
        Self.restrictStateFiles(in: configuration.stateDirectory, logger: logger)
        do {
            try makeDirectory(configuration.exportDirectory, mode: 0o755, setting: "export.directory")
            if !socketDirectory.isEmpty { try makeDirectory(socketDirectory, mode: 0o755, setting: "socket") }
        } catch {
            // What the checks above cannot foresee (root may write where mkdir(2) still fails, as
            // in /proc): the lock file and the state directory this start made go again.
            stateLock.removeItsFileIfMade()
            if !stateDirectoryWasThere { rmdir(configuration.stateDirectory) }
            throw error
        }
        let startup = SystemdNotifier(environment: environment, logger: logger).map {
            StartupTimeoutExtension(notifier: $0, status: "Opening the database (applying schema migrations)")
        }
        let database: RegistryDatabase
        do {
            defer { startup?.end() }
            database = try RegistryDatabase(path: settings.databasePath, checkpointPages: Int32(configuration.walCheckpointPages))
        }

        let signed =
            try await TransparencyLogService.signedTrees(
                checkpointFile: checkpointFile, histories: historyFiles.map(CheckpointHistory.init(path:)), database: database)
            + exported
        let keys = try configuredKeys ?? LogKeys.loadOrMake(
            stateDirectory: configuration.stateDirectory,
            name: keyName, newestSigned: signed.map(\.tree).max { $0.size < $1.size },
            logger: logger)
        LogKeys.logVerifierKeys(keys, logger: logger)
        let log = TransparencyLogService(
            origin: origin, keys: keys, database: database, checkpointFile: checkpointFile, historyFiles: historyFiles,
            otherSignedTrees: exported, logger: Logger(label: "qcredit.log"))
        // Refuse to sign anything on a log that does not extend what was signed before, or with
        // keys that did not sign it.
        try await log.verifyLogExtendsLastCheckpoint()
        try LogKeys.checkTheySignedTheLog(keys, newest: try await log.latestCheckpoint())
        // Only now may the registry write (its policy record, on a new database): a database
        // behind the signed log is refused above with the records it lacks, not one more.
        let registry = try await Registry(
            database: database, policy: policy, utcOffset: configuration.utcOffset,
            logger: Logger(label: "qcredit.registry"))
        // Signed now when it can be; when it cannot (a full disk after a crash: the checkpoint
        // file cannot be written), the daemon serves all the same, as it does when that happens
        // while running: the checkpoint service tries again from its first tick and reports the
        // problem in GetStatus until it succeeds (audit: the daemon would not start at all).
        do {
            try await log.signIfGrown()
        } catch {
            logger.error("cannot sign a checkpoint at start; serving, and trying again", metadata: ["error": "\(error)"])
        }

        let roles: any RoleResolving
        if settings.developmentMode {
            let uid = getuid()
            let name = SystemAccounts.userName(uid: uid) ?? "uid \(uid)"
            // A warning, so that it shows whatever the log level: every role to one user is not production.
            logger.warning(
                "development mode (no --config): \(name) (uid \(uid)) holds every role; nobody else holds any")
            roles = FixedRoles(byUID: [uid: Set(Role.allCases)])
        } else {
            let configured = ConfiguredRoles(grants: configuration.roles ?? [:])
            // Names are looked up for each peer (a user made later gains the role then), so one
            // this system does not know is not refused; but it is most often a typing error.
            for (role, principal) in configured.unknownGrants {
                logger.warning("roles.\(role.rawValue) grants \(principal), which this system does not know")
            }
            roles = configured
        }
        let operations = OperationsContext(
            version: version, startedAt: registry.clock.now(), developmentMode: settings.developmentMode,
            stateDirectory: configuration.stateDirectory,
            backup: BackupService(database: database, log: log, stateDirectory: configuration.stateDirectory),
            exports: ExportService(
                registry: registry, log: log, directory: configuration.exportDirectory, retain: configuration.export.retain,
                restrictedGroup: restrictedGroup),
            health: BackgroundHealth(now: { [clock = registry.clock] in clock.now() }))
        let gradeIndex = GradeAnswerIndex(registry: registry, logger: Logger(label: "qcredit.grade-index"))
        let service = RegistryService(
            registry: registry, log: log, operations: operations, roles: roles, gradeIndex: gradeIndex,
            logger: Logger(label: "qcredit.service"))

        var serverConfiguration = socket.serverConfiguration
        let limits = configuration.limits
        serverConfiguration.maxMessageBytes = limits.maxMessageBytes
        // Asked before a connection's first byte is read, so a peer without a role that
        // writes can never make the daemon hold more than its small limit.
        serverConfiguration.maxMessageBytesForPeer = { credentials in
            limits.maxMessageBytes(for: await roles.roles(for: credentials))
        }
        // A peer without roles may ask GetInfo, but not keep a connection open by asking it.
        serverConfiguration.callsKeepPeerConnected = { credentials in !(await roles.roles(for: credentials)).isEmpty }
        serverConfiguration.maxConnections = limits.maxConnections
        serverConfiguration.maxConnectionsPerUser = limits.maxConnectionsPerUser
        // Asked on the accept loop, from what is known without a look-up: a peer not known to
        // hold a role counts among those without one.
        serverConfiguration.maxConnectionsOfOtherPeers = limits.connectionsWithoutRole
        serverConfiguration.isVouchedFor = { credentials in roles.isKnownToHoldARole(credentials) }
        // Banks' feeds are never idle: a few places stay for the regulators and operators.
        serverConfiguration.keptConnections = limits.connectionsKeptForWriters
        serverConfiguration.mayTakeKeptPlaces = { credentials in roles.isKnownToWrite(credentials) }
        // A peer refused as one without a role may hold one that no grant names by its uid or
        // groups as known at start (a group member by directory only, a user made later):
        // its roles are looked up then (at most once a minute per peer), so that its next
        // connection is admitted even while others fill their share.
        serverConfiguration.refusedAsOtherPeer = { credentials in
            guard roles.knownRoles(for: credentials) == nil else { return }
            Task { _ = await roles.roles(for: credentials) }
        }
        serverConfiguration.idleTimeout = .seconds(limits.idleTimeoutSeconds)
        serverConfiguration.writeTimeout = .seconds(limits.writeTimeoutSeconds)
        serverConfiguration.shutdownGracePeriod = limits.shutdownDrainPeriod
        serverConfiguration.endlessMethods = RegistryService.endlessMethods
        // Proofs are read on NIO's blocking threads, reached in one hand-off from the event loop.
        serverConfiguration.blockingPool = .singleton
        // Banks pipeline GetGrade calls: the accept loop's threads share those connections.
        serverConfiguration.acceptLoopThreads = System.coreCount
        let server = VarlinkServer(
            configuration: serverConfiguration, dispatcher: service.dispatcher(version: version),
            logger: Logger(label: "qcredit.varlink"))

        logger.info(
            "qcreditd starting",
            metadata: [
                "version": "\(version)", "state": "\(configuration.stateDirectory)", "socket": "\(socket.description)",
                "policy": "\(policy.version)", "origin": "\(origin)",
            ])
        // Services stop in reverse order, each once the one after it has stopped: systemd hears
        // STOPPING=1 first (when it is watching), then the server drains, then maintenance stops
        // (a run in progress is cancelled between batches), and only then is the last checkpoint
        // signed, so that it covers every record any of them published.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(
                        service: CheckpointService(
                            log: log, interval: .seconds(configuration.log.checkpointIntervalSeconds), health: operations.health,
                            logger: Logger(label: "qcredit.log"))),
                    .init(service: GradeIndexService(index: gradeIndex, health: operations.health, logger: Logger(label: "qcredit.grade-index"))),
                    .init(service: RefusalLogService(flush: [server.logLeftOutRefusals, service.logLeftOutRefusals])),
                    .init(
                        service: MaintenanceService(
                            registry: registry, exports: operations.exports, interval: .seconds(configuration.maintenanceIntervalSeconds),
                            regrade: RegradeSchedule(
                                minuteOfDay: configuration.regradeMinuteOfDay, utcOffset: configuration.utcOffset),
                            regradeAfterWrites: configuration.regradeAfterWritesSeconds > 0
                                ? .seconds(configuration.regradeAfterWritesSeconds) : nil, health: operations.health,
                            logger: Logger(label: "qcredit.maintenance"))),
                    .init(
                        service: VarlinkServerService(
                            server: server,
                            stopping: { [exports = operations.exports, backup = operations.backup, logger] in
                                logger.notice(
                                    "stopping: no new connections; calls in progress may finish, then the final checkpoint is signed",
                                    metadata: ["bound": "\(configuration.limits.shutdownTimeoutSeconds) s"])
                                exports.stopWriting()
                                backup.stopCopying()
                            })),
                ]
                    // Last, so that it is the first to hear of graceful shutdown.
                    + SystemdNotifyService.configurations(
                        environment: environment, server: server, readyStatus: "Serving on \(socket.description)"),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        // A stopped daemon leaves the whole database in its main file, whatever order its pool's
        // connections close in: a copy of that file alone holds every acknowledged write.
        do { try await database.checkpointWAL() } catch {
            logger.warning("could not fold the write-ahead log into the database file", metadata: ["error": "\(error)"])
        }
        logger.info("qcreditd stopped")
    }

    /// The tree of the newest export of this log (`origin`) in `directory`, as its MANIFEST
    /// records it, if there is one.
    static func newestExportedTree(in directory: String, origin: String) -> [(tree: SignedTree, source: String)] {
        // No exports directory yet reads as no export.
        guard let newest = try? PreviousExport.latest(in: directory), newest.origin == origin, let name = newest.name
        else { return [] }
        return [(SignedTree(size: newest.treeSize, rootHash: newest.rootHash), (directory as NSString).appendingPathComponent(name))]
    }
}
