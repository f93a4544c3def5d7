import ArgumentParser
import CanonicalJSON
import FileSafety
import Foundation
import Glibc
import QCreditConfig
import QCreditCrypto
import QCreditDomain
import QCreditExport
import QCreditLog
import QCreditStore
import SignedNote
import TransparencyLog

/// `qcredit restore BACKUP [--entries EXPORT…]`: puts a backup in place of the registry's
/// database, with the daemon stopped, and brings its log back to the newest tree the registry
/// ever signed by replaying the missing records from nightly exports.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into the state directory (qcreditd stopped), replaying missing log records from exports.",
        discussion: """
            BACKUP is a directory written by `qcredit backup`. The database it holds replaces the state \
            directory's (which is kept aside in replaced-<time>/). The log must reach the newest tree it ever \
            signed, as recorded in the checkpoint histories (state and exports directories), the checkpoint \
            files and the EXPORTs given: records the backup lacks are replayed from the EXPORTs' entries, with their \
            openings from each EXPORT's restricted part (../restricted/<name>) when it is readable, else the disclosed \
            ones from its openings.jsonl, and the tree must then give exactly the signed root. If no EXPORT holds them, the backup is still restored \
            but qcreditd will refuse to start until they are replayed (exit status 5), unless the state directory's \
            database holds more of the log: then nothing changes (exit status 2). A backup whose records \
            give another root than the one signed is refused, and nothing changes. With neither \
            checkpoint-history at hand and no EXPORT given, it is refused too (exit status 2): nothing says how far \
            the log signed, and a daemon on the backup could fork it; --backup-is-newest says it signed nothing after.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The backup directory (registry.sqlite, checkpoint).", valueName: "backup"))
    var backup: String

    @Option(
        name: .customLong("entries"), parsing: .upToNextOption,
        help: ArgumentHelp("Nightly export directories whose entries fill the gap (full or delta).", valueName: "export"))
    var exports: [String] = []

    @Option(help: ArgumentHelp("The daemon's config file, for its state and exports directories.", valueName: "file"))
    var config: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("The state directory (overrides the config file).", valueName: "dir"))
    var stateDirectory: String?

    @Flag(
        help: ArgumentHelp(
            "Restore even though no history of the signed trees is at hand (state and exports directories' checkpoint-history "
                + "both missing, no --entries): you know the log signed nothing after the backup."))
    var backupIsNewest = false

    func run() async throws {
        try await options.runLocally { console in
            var configuration: DaemonConfiguration
            do {
                configuration = try config.map { path throws(ConfigurationError) in try DaemonConfiguration.load(path: path) }
                    ?? DaemonConfiguration()
            } catch {
                throw Failure.badInput("\(error)")  // a config that cannot be read or parsed is local input
            }
            if let stateDirectory {
                guard !stateDirectory.isEmpty else { throw Failure.badInput("--state-dir must name a directory") }
                configuration.stateDirectory = stateDirectory
            }
            // A backup another user could change is not one to restore: outside the log's tables
            // (whose records the log checks) they could have changed anything, its triggers too.
            var backupStatus = stat()
            if stat(backup, &backupStatus) == 0, (backupStatus.st_mode & S_IFMT) == S_IFDIR,
                let problem = TrustedPath.problem(ofDirectory: backup, alsoTrusted: Restore.daemonUser(of: configuration.stateDirectory))
            {
                throw Failure.badInput("cannot restore \(backup): \(problem); copy the backup where only you (or root) can change it")
            }
            var restore = try Restore(configuration: configuration, backup: backup, exports: exports)
            restore.backupIsNewest = backupIsNewest
            let outcome = try await restore.run()
            if console.json {
                console.jsonLine(outcome.json)
            } else {
                // Warnings are diagnostics: stderr, so that a script reading the summary sees them too.
                for line in outcome.lines {
                    if line.hasPrefix("WARNING") { Console.emit(line + "\n", to: STDERR_FILENO) } else { console.line(line) }
                }
            }
            return outcome.missing == nil ? .success : .incomplete
        }
    }
}
