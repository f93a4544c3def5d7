import ArgumentParser
import Foundation
import Logging
import QCreditConfig

/// The `qcreditd` command line.
public struct DaemonCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "qcreditd",
        abstract: "The qcredit quality-credit registry daemon.",
        discussion: """
            Without --config the daemon runs in development mode: the user running it holds every \
            role. The socket is found from --socket, then $QCREDIT_SOCKET, then the config file, then \
            /run/qcredit/qcreditd.sock.

            Under systemd the daemon serves the socket systemd passes (socket activation: \
            $LISTEN_PID and $LISTEN_FDS) instead of binding that path, and reports READY=1, \
            WATCHDOG=1 and STOPPING=1 to $NOTIFY_SOCKET (Type=notify). See systemd/.
            """,
        version: Daemon.version)

    @Option(name: .long, help: "The TOML config file.")
    var config: String?

    @Option(name: .customLong("state-dir"), help: "Where the database lives (overrides the config file).")
    var stateDirectory: String?

    @Option(name: .long, help: "The Unix socket to listen on (overrides the config file).")
    var socket: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Flag(
        name: .customLong("print-default-policy"),
        help: "Print the built-in grading policy (TOML, every setting commented) and exit: a start for your own policy file.")
    var printDefaultPolicy = false

    public init() {}

    public func run() async throws {
        if printDefaultPolicy {
            print(PolicyFile.defaultText, terminator: "")
            return
        }
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level: '\(logLevel)' is not a log level")
        }
        let toJournal = JournalLogHandler.standardErrorIsTheJournal(ProcessInfo.processInfo.environment)
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = toJournal ? JournalLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "qcreditd")
        // SIGHUP's default action ends the process at once: no last checkpoint, no drain. There
        // is nothing to reload (a changed config needs a restart), so an operator's habitual
        // `kill -HUP` must not take the registry down. Nor may the signals a tool sends to ask
        // for a status or a reopened log (USR1, USR2) or a stray alarm: the daemon uses none.
        // Nor SIGPIPE: a closed pipe on stderr (`qcreditd … | head`) killed it mid-start; a
        // write to a closed pipe now fails with EPIPE instead (systemd ignores it for units too).
        for ignored in [SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE] { signal(ignored, SIG_IGN) }
        do {
            let settings = try DaemonSettings.resolve(
                configPath: config, stateDirectory: stateDirectory, socket: socket,
                environment: ProcessInfo.processInfo.environment)
            try await Daemon.run(settings: settings, logger: logger)
        } catch {
            logger.critical("qcreditd cannot run: \(error)")
            throw ExitCode(1)
        }
    }
}

extension DaemonCommand {
    /// Parses the command line and runs the daemon. (A plain `DaemonCommand.main()` from
    /// another module resolves to ParsableCommand's synchronous entry point.)
    public static func start() async {
        // As the unit's UMask=0077, wherever it runs: what the daemon makes is its own unless
        // it says otherwise (exports, their restricted parts and the socket get explicit modes).
        // A loose umask gave a database of every opening mode 0644 in a state directory that
        // was there already.
        umask(0o077)
        await startAsync(Self.self)
    }
}

private func startAsync<Command: AsyncParsableCommand>(_ command: Command.Type) async {
    await command.main(ProcessArguments.afterProgramName)
}
