import QCreditDomain
import CanonicalJSON
import Foundation
import Testing

/// Runs the built `qcredit` client against one test daemon, as a user would from a shell.
struct CLIHarness {
    static let executable = DaemonProcess.product("qcredit")

    let daemon: DaemonProcess

    /// Real published codes: two enterprises, and a third that is never registered.
    static let cement = "911522010783762860"
    static let cementOrgCode = "07837628-6"
    static let materials = "91152201078377449P"
    static let unregistered = "9115220107837941X1"
    /// `cement` with the wrong check character.
    static let wrongCheck = "911522010783762861"

    /// Today in the registry's zone (Beijing), as the daemon dates decisions.
    static var today: String {
        Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)).civilDate(in: .beijing).description
    }

    /// `qcredit ARGUMENTS --socket <the daemon's socket>`.
    func run(_ arguments: [String], input: String? = nil) async throws -> CommandResult {
        try await Self.run(arguments + ["--socket", daemon.socketPath], input: input)
    }

    /// `qcredit ARGUMENTS` with no socket added.
    static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) async throws
        -> CommandResult
    {
        try await runCommand(executable, arguments, environment: environment, input: input)
    }

    /// Runs `qcredit ARGUMENTS --json` and parses stdout as one JSON value.
    func json(_ arguments: [String], input: String? = nil) async throws -> JSONValue {
        let result = try await run(arguments + ["--json"], input: input)
        guard result.status == 0 else { throw CLICommandFailed(result: result) }
        return try JSONValue.parse(result.stdout)
    }

    /// Runs a command that must succeed and returns its stdout.
    @discardableResult
    func succeed(_ arguments: [String], input: String? = nil) async throws -> String {
        let result = try await run(arguments, input: input)
        guard result.status == 0 else { throw CLICommandFailed(result: result) }
        return result.stdout
    }

    func register(_ code: String, name: String) async throws {
        try await succeed(["register", code, "--name", name])
    }

    /// Proposes a listing of `code` on `listType`, decided ten days ago by 黔南州市场监督管理局,
    /// and confirms it; returns its id as the CLI takes it.
    func confirmedListing(_ code: String, on listType: String, reason: String, legalBasis: String, document: String) async throws
        -> String
    {
        let proposed = try await json([
            "blacklist", "propose", code, "--type", listType, "--reason", reason, "--legal-basis", legalBasis,
            "--authority", "黔南州市场监督管理局", "--document", document, "--decision-date", Self.date(daysAgo: 10),
        ])
        let id = String(try #require(proposed["listing"]?["id"]?.intValue))
        try await succeed(["blacklist", "confirm", id])
        return id
    }

    /// A date `days` before today in the registry's time zone (Beijing), as `YYYY-MM-DD`:
    /// registries refuse dates in the future, so tests date events relative to today.
    static func date(daysAgo days: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        let day = calendar.date(byAdding: .day, value: -days, to: Date())!
        let parts = calendar.dateComponents([.year, .month, .day], from: day)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    /// The arguments of `qcredit event` for one quality event.
    static func eventArguments(
        _ code: String, kind: String = "spot-check-failed", severity: String = "medium", daysAgo: Int = 30
    ) -> [String] {
        [
            "event", code, "--dimension", "product", "--kind", kind, "--severity", severity,
            "--occurred-on", date(daysAgo: daysAgo), "--authority", "黔南州市场监督管理局",
            "--document", "黔南市监抽〔2026〕3号", "--summary", "水泥抗压强度不合格",
        ]
    }
}

/// A `qcredit` run that should have succeeded, with everything it printed.
struct CLICommandFailed: Error, CustomStringConvertible {
    var result: CommandResult
    var description: String {
        "qcredit exited \(result.status)\nstdout:\n\(result.stdout)\nstderr:\n\(result.stderr)"
    }
}

extension CommandResult {
    /// Non-empty stdout lines.
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}
