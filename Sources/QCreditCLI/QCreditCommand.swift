import ArgumentParser
import CanonicalJSON
import Foundation
import QCreditConfig
import QCreditDomain
import Varlink

/// The `qcredit` command line: the client of `qcreditd`.
public struct QCreditCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "qcredit",
        abstract: "Query and maintain the qcredit quality-credit registry.",
        discussion: """
            Talks to qcreditd over varlink on a Unix socket, found from --socket, then \
            $QCREDIT_SOCKET, then /run/qcredit/qcreditd.sock. An enterprise is named by its CODE: a \
            Unified Social Credit Code (18 characters) or an organization code (9, hyphen optional). \
            Dates are YYYY-MM-DD; times are RFC 3339.

            Every command takes --socket and --json, after its name \
            (qcredit grade --socket PATH CODE). With --json, replies are printed as JSON, one \
            object per line (JSON Lines for streamed replies), and errors as one JSON object \
            {"error": name, "parameters": {...}} on stderr.

            EXIT STATUS
              0  success
              1  the registry refused the request (a varlink error such as NotFound,
                 InvalidState or PermissionDenied; a date or a digest it finds malformed
                 is its InvalidArgument), or a code given as an argument is invalid;
                 for `grades`, any code answered with an error (`screen` answers
                 such codes in error rows and exits 0); a `watchlist set` past the
                 bank's limit, said as its WatchListTooLarge before any call
              2  usage error: bad arguments or options (an argument that is not
                 UTF-8 text too), or local input (a file, a JSON line) that cannot be
                 read or parsed, or a code file that holds an invalid code
                 (`watchlist set` or `edit`: nothing is sent); standard output that
                 cannot be written (> /dev/full), or a local file the command writes
                 (backup, screen --output, keygen, audit keys --save-pem)
              3  cannot reach qcreditd: no socket, connection refused, or the
                 connection failed; so too a reply or an error that the method's
                 interface does not declare (it is not taken for an answer)
              4  verification failed: a signature, proof, root or record does not
                 check out (verify, verify-proof, audit, restore)
              5  restore put the backup in place, but the log does not reach the
                 newest tree it signed yet (records missing; qcreditd will refuse
                 to start until they are replayed)

            A command a signal stops (import, screen, watch) ends by that signal: the
            shell shows 130 for SIGINT, 143 for SIGTERM, and 141 (SIGPIPE) when its
            reader went away (`| head -1`).
            """,
        subcommands: [
            GradeCommand.self, GradesCommand.self, ScreenCommand.self, FindCommand.self, FileCommand.self, BlacklistCommand.self, RepairCommand.self,
            RegisterCommand.self, UpdateCommand.self,
            EventCommand.self, EventsCommand.self, ImportCommand.self, CorrectEventCommand.self,
            OverrideCommand.self, PublishCommand.self, MaintenanceCommand.self,
            EvidenceCommand.self, VerifyProofCommand.self, AuditCommand.self, KeygenCommand.self,
            StatusCommand.self, ExportCommand.self, VerifyExportCommand.self, BackupCommand.self, RestoreCommand.self,
            InfoCommand.self, CallCommand.self, CheckCodeCommand.self, WatchCommand.self, WatchListCommand.self,
        ])

    public init() {}
}

extension QCreditCommand {
    /// Parses the command line, runs the command and exits with its status.
    ///
    /// Call this rather than `main()`: from another module a plain `QCreditCommand.main()`
    /// resolves to ParsableCommand's synchronous entry point, which cannot run async commands.
    /// And ArgumentParser exits 64 on usage errors where `qcredit` documents 2, so usage
    /// errors are reported here.
    public static func start(arguments: [String]? = nil) async {
        if arguments == nil, let (place, bytes) = ProcessArguments.notUTF8 {
            let offset = String.firstInvalidUTF8Offset(bytes)
            let message =
                "argument \(place) is not UTF-8 text (byte 0x\(String(bytes[offset], radix: 16, uppercase: true)) at byte \(offset + 1)): "
                + "qcredit reads its arguments, names and paths as UTF-8; convert it (iconv) or use a UTF-8 locale"
            refuseUsage(message, arguments: ProcessArguments.afterProgramName)
        }
        let arguments = arguments ?? ProcessArguments.afterProgramName
        // `help NAME` of no command would print the overview and succeed: a typo must not. And
        // a mistyped command followed by an option was reported as that option being unknown.
        let commandNamed = { (name: String) in configuration.subcommands.contains(where: { $0._commandName == name }) }
        let asked = arguments.first == "help" ? arguments.dropFirst().first : arguments.first
        if let name = asked, !name.hasPrefix("-"), name != "help", !commandNamed(name) {
            refuseUsage("no command named '\(name)'. See 'qcredit --help' for the commands.", arguments: arguments)
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            // The parser reads a positional "-1" as an option and then reports a missing
            // argument or an unknown option; the precise error is the value's. (Options that
            // take numbers read "-1" as their value and refuse it with their own rule.)
            let parserMessage = message(for: error)
            let negative = negativeNumber(in: arguments).flatMap { token in
                parserMessage.contains("Missing expected argument") || parserMessage.contains("Unknown option '\(token)'")
                    ? "'\(token)' is not a valid value: ids, indexes, sizes and counts are 0 or more" : nil
            }
            if wantsJSON(arguments) {
                let report: JSONValue = ["error": "UsageError", "parameters": ["message": .string(negative ?? parserMessage)]]
                Console.emit(report.jsonText + "\n", to: STDERR_FILENO)
            } else {
                Console.emit((negative.map { "Error: \($0)" } ?? fullMessage(for: error)) + "\n", to: STDERR_FILENO)
            }
            exit(withError: ExitCode(ExitStatus.usage.rawValue))
        }
    }

    /// Reports a usage error found before the command line is parsed, in the form `--json`
    /// asks for, and exits 2.
    static func refuseUsage(_ message: String, arguments: [String]) -> Never {
        if wantsJSON(arguments) {
            let report: JSONValue = ["error": "UsageError", "parameters": ["message": .string(message)]]
            Console.emit(report.jsonText + "\n", to: STDERR_FILENO)
        } else {
            Console.emit("Error: \(message)\n", to: STDERR_FILENO)
        }
        exit(withError: ExitCode(ExitStatus.usage.rawValue))
    }

    /// The first argument (before any `--`) that is a negative whole number: no command takes one.
    static func negativeNumber(in arguments: [String]) -> String? {
        let options = Array(arguments.prefix { $0 != "--" })
        // Not the value of an option that takes a negative number (`watch --since -1`): the
        // mistake is elsewhere (a missing list name was reported as this value, audit).
        return options.indices.first { index in
            let token = options[index]
            return token.count > 1 && token.first == "-" && token.dropFirst().allSatisfy { ("0"..."9").contains($0) }
                && (index == 0 || !negativeValuedOptions.contains(options[index - 1]))
        }.map { options[$0] }
    }

    /// Options whose value may be negative.
    static let negativeValuedOptions: Set<String> = ["--since"]

    /// Whether `--json` appears among the options (before any `--`), for reporting a usage
    /// error in the form the caller asked for although the command line did not parse.
    static func wantsJSON(_ arguments: [String]) -> Bool {
        arguments.prefix { $0 != "--" }.contains("--json")
    }
}

/// The options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long, help: ArgumentHelp("The daemon's Unix socket (default: $QCREDIT_SOCKET, else /run/qcredit/qcreditd.sock).", valueName: "path"))
    var socket: String?

    @Flag(name: .long, help: "Print replies as JSON (one object per line) and errors as a JSON object on stderr.")
    var json = false

    /// The socket, found exactly as the daemon finds it.
    var socketPath: String {
        SocketLocation.resolve(flag: socket, environment: ProcessInfo.processInfo.environment)
    }

    var console: Console { Console(json: json) }

    /// An empty `--socket` (an unset shell variable, most often) is refused rather than taken
    /// for no flag, which would reach the system's socket.
    func validate() throws {
        if socket?.isEmpty == true { throw ValidationError("--socket: the path is empty") }
        // Read as UTF-8, a path that is not would be changed (U+FFFD) and another one tried, as
        // an argument that is not is refused.
        if socket == nil, let value = getenv(SocketLocation.environmentVariable) {
            let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), count: strlen(value)))
            if String(validating: bytes, as: UTF8.self) == nil {
                let offset = String.firstInvalidUTF8Offset(bytes)
                throw ValidationError(
                    "$\(SocketLocation.environmentVariable) is not UTF-8 text (byte 0x\(String(bytes[offset], radix: 16, uppercase: true)) "
                        + "at byte \(offset + 1)): qcredit reads paths as UTF-8: give it a socket path that is")
            }
        }
    }

    /// Runs a command against the daemon: `body` reads its input, calls the daemon through the
    /// session and prints the results. Every failure is reported once, on stderr, and ends the
    /// process with its exit status; so does a non-zero status `body` returns.
    ///
    /// `codes`, the codes given as arguments, are checked first by the registry's own rules: one
    /// no registry could hold is refused here (exit 1, the daemon's `InvalidCode`), whether or not
    /// the daemon can be reached. A wrong check character alone goes to the daemon, which may
    /// hold such a code admitted on registration.
    /// `inList`: the method takes them as its `codes` array, whose place the daemon's reason names.
    func run(
        codes: [String] = [], of interface: String = "org.qcredit.query", inList: Bool = false,
        _ body: (DaemonSession, Console) async throws -> ExitStatus
    ) async throws {
        let console = self.console
        let session = DaemonSession(socketPath: socketPath)
        var status: ExitStatus
        do {
            for (place, code) in codes.enumerated() {
                try Self.refuseImpossible(code, as: interface, at: inList ? "codes[\(place)]" : nil)
            }
            status = try await body(session, console)
        } catch {
            let failure = Failure(error, socket: session.socketPath)
            console.report(failure)
            status = failure.exitStatus
        }
        await session.close()
        if status != .success { throw ExitCode(status.rawValue) }
    }

    /// Refuses a code no registry could hold with the `InvalidCode` of `interface`, the one the
    /// command calls, exactly as the daemon would.
    private static func refuseImpossible(_ code: String, as interface: String, at location: String?) throws(Failure) {
        // Admitting a wrong check character, the parse throws exactly what no registry could hold.
        do {
            _ = try EnterpriseCode.admittingWrongCheckCharacter(code)
        } catch var error {
            error.location = location
            throw .refused(VarlinkError(name: "\(interface).InvalidCode", parameters: Failure.parameters(of: error)))
        }
    }

    /// Runs a command that needs no daemon but awaits local work, reporting failures like ``run(_:)``.
    func runLocally(_ body: (Console) async throws -> ExitStatus) async throws {
        let console = self.console
        var status: ExitStatus
        do {
            status = try await body(console)
        } catch {
            let failure = Failure(error, socket: socketPath)
            console.report(failure)
            status = failure.exitStatus
        }
        if status != .success { throw ExitCode(status.rawValue) }
    }

    /// Runs a command that needs no daemon, reporting failures like ``run(_:)``.
    func runLocally(_ body: (Console) throws -> ExitStatus) throws {
        let console = self.console
        var status: ExitStatus
        do {
            status = try body(console)
        } catch {
            let failure = Failure(error, socket: socketPath)
            console.report(failure)
            status = failure.exitStatus
        }
        if status != .success { throw ExitCode(status.rawValue) }
    }
}

extension String {
    /// The offset of the first byte of `bytes` that does not continue valid UTF-8 (0 when
    /// every byte does: callers ask only of bytes known not to be UTF-8).
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int {
        var prefix = bytes.count
        while prefix > 0, String(validating: bytes[..<prefix], as: UTF8.self) == nil { prefix -= 1 }
        return prefix < bytes.count ? prefix : 0
    }
}
