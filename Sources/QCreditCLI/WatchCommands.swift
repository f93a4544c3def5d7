import ArgumentParser
import CanonicalJSON
import QCreditDomain
import TransparencyLog
import Varlink
import VarlinkNIO

#if canImport(Glibc)
    import Glibc
#endif

/// `qcredit watch LIST [--since N]`: follows a watch list's change feed, one line per change.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print each change to the files on a watch list as it is published, until interrupted.",
        discussion: """
            Each line ends with the change's cursor. To resume without missing or repeating a \
            change, pass the cursor of the last line you handled as --since. Without --since the \
            feed starts now; --since -1 replays the whole log.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The watch list's name (see `qcredit watchlist`).")
    var list: String

    // Unconditional: `--since -1` (the whole log) is a value, not an option.
    @Option(parsing: .unconditional, help: ArgumentHelp("Resume after this cursor (a log index).", valueName: "cursor"))
    var since: Int64?

    /// How long a feed that lost its daemon (a restart) keeps trying to resume before it gives up.
    @Option(
        name: .customLong("retry-for"), parsing: .unconditional,
        help: ArgumentHelp(
            "When the daemon goes away, try to resume every second for this many seconds, then exit 3.", valueName: "seconds"))
    var retryFor: Int = 60

    func validate() throws {
        guard (1...86_400).contains(retryFor) else { throw ValidationError("--retry-for must be 1 to 86400 seconds") }
    }

    func run() async throws {
        try await options.run { daemon, console in
            // The cursor of the last line printed (or of "up to date"): where a resumed feed goes on.
            var cursor = since
            if let since { StandardOutput.resumeHint.withLock { $0 = resumeLine(since, console) } }
            StandardOutput.endWhenTheReaderGoes()
            var session = daemon
            var lostAt: ContinuousClock.Instant?
            // The log this feed follows, as its newest checkpoint showed it: a daemon come back
            // must serve the same log grown (or another's cursors would be taken for its own).
            var followed: LogTree?
            while true {
                do {
                    let tree = try await LogTree.newest(from: session)
                    if let followed { try await tree.mustExtend(followed, from: session) }
                    followed = tree
                    let replies = try await session.stream(
                        "org.qcredit.query.WatchChanges",
                        parameters(["watchList": .string(list), "since": cursor.map { JSONValue.int($0) }]))
                    for try await reply in replies {
                        lostAt = nil
                        if console.json {
                            console.jsonLine(.object(reply))
                        } else if let change = reply["change"] {
                            console.line(Self.line(change))
                        } else if let cursor = reply["cursor"]?.intValue {
                            console.line("# up to date at cursor \(cursor); waiting for changes")
                        }
                        if let next = reply["cursor"]?.intValue {
                            cursor = next
                            // Should standard output fail, the next line is the one not written.
                            StandardOutput.resumeHint.withLock { $0 = resumeLine(next, console) }
                        }
                    }
                    return .success
                } catch let error as VarlinkError {
                    throw error  // the registry's answer (no such list, …): nothing to resume
                } catch let failure as Failure where failure.exitStatus == .verificationFailed {
                    if let cursor { Console.emit(resumeLine(cursor, console, againstTheLogFollowed: true) + "\n", to: STDERR_FILENO) }
                    throw failure
                } catch {
                    // The daemon went away (a restart): resume after the last cursor, without
                    // gap or repeat, once it is back; give up after a while, saying how to resume.
                    let now = ContinuousClock.now
                    let lostSince = lostAt ?? now
                    // Without a cursor (lost before the first "up to date") there is no place to
                    // resume from without a gap: it exits at once.
                    guard let resumeAfter = cursor, now - lostSince < .seconds(retryFor) else {
                        if let cursor { Console.emit(resumeLine(cursor, console) + "\n", to: STDERR_FILENO) }
                        throw error
                    }
                    if lostAt == nil {
                        let why: String
                        switch Failure(error, socket: daemon.socketPath) {
                        case .unreachable(let socket, let reason): why = "cannot connect to \(socket): \(reason)"
                        case .connectionLost(let socket, let reason): why = "\(socket): \(reason)"
                        case let failure: why = failure.message
                        }
                        let notice: JSONValue = ["notice": "ConnectionLost", "parameters": ["reason": .string(why), "resumingAfter": .int(resumeAfter)]]
                        Console.emit(
                            (console.json ? notice.jsonText : "# lost the connection to qcreditd (\(why)); resuming after cursor \(resumeAfter)") + "\n",
                            to: STDERR_FILENO)
                    }
                    lostAt = lostSince
                    await session.close()
                    try await EventLoopSleep.sleep(for: .seconds(1))  // not Task.sleep: see EventLoopSleep
                    session = DaemonSession(socketPath: daemon.socketPath)
                }
            }
        }
    }

    /// The line that says how to resume after `cursor` (for stderr): words, or with `--json` a
    /// JSON object, `{"notice":"ResumeWith","parameters":{"command":…,"since":N}}`, as every
    /// line on stderr is then.
    func resumeLine(_ cursor: Int64, _ console: Console, againstTheLogFollowed: Bool = false) -> String {
        // The socket given by --socket goes with it: run without, the command would reach
        // $QCREDIT_SOCKET's or the system's registry, whose cursors number another log (audit).
        let command = "qcredit watch \(Self.shellWord(list)) --since \(cursor)" + (options.socket.map { " --socket \(Self.shellWord($0))" } ?? "")
        guard console.json else { return "resume with: \(command)" + (againstTheLogFollowed ? ", against the log it followed" : "") }
        let notice: JSONValue = ["notice": "ResumeWith", "parameters": ["command": .string(command), "since": .int(cursor)]]
        return notice.jsonText
    }

    /// `word` as one shell word: as it is when it holds only characters no shell reads
    /// otherwise, else in single quotes.
    static func shellWord(_ word: String) -> String {
        let plain = !word.isEmpty && word.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || "/._-+,:@%=".utf8.contains(byte)
        }
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `2026-03-02T04:00:00Z  91350100M000100Y43  listed  – → serious-dishonesty  (reason)  cursor 17`
    static func line(_ change: JSONValue) -> String {
        let text = { (key: String) in change[key]?.stringValue }
        var parts = [text("publishedAt") ?? "-", text("code") ?? "-", text("kind") ?? "-"]
        if text("old") != nil || text("new") != nil { parts.append("\(text("old") ?? "–") → \(text("new") ?? "–")") }
        if let reason = text("reason") { parts.append("(\(reason))") }
        parts.append("cursor \(change["cursor"]?.intValue.map(String.init) ?? "-")")
        return parts.joined(separator: "  ")
    }
}

/// `qcredit watchlist …`: the caller's named watch lists.
struct WatchListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watchlist",
        abstract: "Keep named watch lists of codes for `qcredit watch` (yours alone).",
        subcommands: [WatchListSetCommand.self, WatchListEditCommand.self, WatchListShowCommand.self, WatchListDeleteCommand.self])
}

/// Codes per call: well inside a bank's 1 MiB message limit (a code takes about 21 bytes).
let watchListCodesPerCall = 40_000

/// Sends the codes in `file` to list `name`, `watchListCodesPerCall` per call (`first` for the
/// first call, `then` for the others), and prints the list's size.
private func sendCodes(
    _ file: String, to name: String, first: String, then: String, daemon: DaemonSession, console: Console
) async throws -> ExitStatus {
    let input = try InputFile(reading: file)
    let lines = input.contentLines
    // An empty file is far more often a failed extract than a wish to empty a loan book's list,
    // and a `set` from it would wipe the list: refused, as `grades` refuses one.
    guard !lines.isEmpty else {
        throw Failure.badInput(
            "no codes in \(input.name): nothing was sent"
                + (first == "SetWatchList" ? " (to stop watching, qcredit watchlist delete \(name))" : ""))
    }
    // A list goes in several calls: one the registry would refuse part-way must not be started,
    // or a `set` would leave the list holding part of the file. So every code is checked here
    // first, by the rules the registry applies, and the first bad one is named with its line.
    var invalid: [(line: Int, code: String, error: CodeError)] = []
    // The first code no registry could know; a wrong check character before it that the
    // registry does not know either is named instead (the first bad line, in file order).
    var plainlyInvalid: Failure?
    for line in lines {
        do {
            // Only a wrong check character can have been admitted on registration.
            let (_, checkError) = try EnterpriseCode.admittingWrongCheckCharacter(line.text)
            if let checkError { invalid.append((line.number, EnterpriseCode.normalize(line.text), checkError)) }
        } catch {
            plainlyInvalid = Failure.invalidCodeInInput(error, file: input.name, line: line.number)
            break
        }
    }
    // Sent as the registry stores them: a full-width code takes three bytes a character, and
    // 40,000 of those would not fit in a bank's message.
    let codes = lines.map { EnterpriseCode.normalize($0.text) }
    if plainlyInvalid == nil, first == "SetWatchList" {
        // The limit is the bank's, all its lists together: a `set` that would pass it is refused
        // here, before its first call replaces the list (refused part-way, it left the list half made).
        let size = watchListSize(of: codes)
        let others = try await daemon.call("org.qcredit.query.ListWatchLists", [:])["lists"]?.arrayValue ?? []
        let elsewhere = others.filter { $0["name"]?.stringValue != name }.reduce(0) { $0 + Int($1["size"]?.intValue ?? 0) }
        if size + elsewhere > WatchList.maximumCodes {
            // The registry's own refusal (exit 1, the same error with --json), said before it could
            // be made part-way.
            throw Failure.refused(
                VarlinkError(
                    name: "org.qcredit.query.WatchListTooLarge",
                    parameters: ["name": .string(name), "size": .int(Int64(size + elsewhere)), "limit": .int(Int64(WatchList.maximumCodes))]),
                at: "\(file) holds \(size) codes\(elsewhere > 0 ? " and your other lists \(elsewhere)" : ""); a bank's watch lists hold at most "
                    + "\(WatchList.maximumCodes) together; nothing was sent")
        }
    }
    // A code really issued with a wrong check character, admitted on registration, is one the
    // registry answers (GetGrades says so, as it says InvalidCode for any other): it may be watched.
    // Asked in calls that fit a bank's message, stopping at the first code it does not know.
    let asked = invalid.map(\.code)
    for batch in CodeBatches.split(asked, maximumCount: 5_000) {
        var answered: Set<String> = []
        for try await reply in try await daemon.stream("org.qcredit.query.GetGrades", ["codes": .array(asked[batch].map(JSONValue.string))])
        where reply["error"]?.stringValue?.hasSuffix(".InvalidCode") != true {
            if let code = reply["code"]?.stringValue { answered.insert(code) }
        }
        if let refused = invalid[batch].first(where: { !answered.contains($0.code) }) {
            throw Failure.invalidCodeInInput(refused.error, file: input.name, line: refused.line)
        }
    }
    if let plainlyInvalid { throw plainlyInvalid }
    var reply: [String: JSONValue] = [:]
    for (index, start) in stride(from: 0, to: max(codes.count, 1), by: watchListCodesPerCall).enumerated() {
        let chunk = codes[start..<min(start + watchListCodesPerCall, codes.count)]
        reply = try await daemon.call(
            "org.qcredit.query.\(index == 0 ? first : then)", ["name": .string(name), "codes": .array(chunk.map(JSONValue.string))])
    }
    console.reply(reply) { reply in
        let size = reply["size"]?.intValue ?? 0
        return ["\(reply["name"]?.stringValue ?? name): \(size) code\(size == 1 ? "" : "s")"]
    }
    return .success
}

/// How many codes a list made of `codes` holds, as the registry keeps them: each once, and an
/// organisation once whichever of its two codes (a USCC and the organization code it embeds)
/// came first.
func watchListSize(of codes: [String]) -> Int {
    var held: Set<String> = []
    var embeddedInHeld: Set<String> = []
    for code in codes where !held.contains(code) {
        switch code.count {
        case USCC.length where held.contains(USCC.embeddedOrgCode(of: code)): continue
        case OrganizationCode.length where embeddedInHeld.contains(code): continue
        case USCC.length: embeddedInHeld.insert(USCC.embeddedOrgCode(of: code))
        default: break
        }
        held.insert(code)
    }
    return held.count
}

struct WatchListSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Make a watch list exactly the codes in FILE (one per line, - for standard input).")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The list's name.") var name: String
    @Argument(help: ArgumentHelp("A file of codes, one per line, or -.", valueName: "file")) var file: String

    func run() async throws {
        try await options.run { daemon, console in
            // The first call replaces the list; large lists go on in further adds.
            return try await sendCodes(file, to: name, first: "SetWatchList", then: "AddToWatchList", daemon: daemon, console: console)
        }
    }
}

struct WatchListEditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit", abstract: "Add codes to a watch list (creating it) or remove them.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The list's name.") var name: String
    @Argument(help: ArgumentHelp("A file of codes, one per line, or -.", valueName: "file")) var file: String
    @Flag(help: "Remove the codes instead of adding them.") var remove = false

    func run() async throws {
        try await options.run { daemon, console in
            let method = remove ? "RemoveFromWatchList" : "AddToWatchList"
            return try await sendCodes(file, to: name, first: method, then: method, daemon: daemon, console: console)
        }
    }
}

struct WatchListShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "List your watch lists, or the codes of one.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "A list's name; without it, every list and its size.") var name: String?

    func run() async throws {
        try await options.run { daemon, console in
            guard let name else {
                let reply = try await daemon.call("org.qcredit.query.ListWatchLists")
                console.reply(reply) { reply in
                    (reply["lists"]?.arrayValue ?? []).map { "\($0["name"]?.stringValue ?? "")\t\($0["size"]?.intValue ?? 0)" }
                }
                return .success
            }
            for try await reply in try await daemon.stream("org.qcredit.query.GetWatchList", ["name": .string(name)]) {
                if console.json {
                    console.jsonLine(.object(reply))
                } else {
                    console.lines((reply["codes"]?.arrayValue ?? []).compactMap(\.stringValue))
                }
            }
            return .success
        }
    }
}

struct WatchListDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete one of your watch lists (a feed following it ends).")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The list's name.") var name: String

    func run() async throws {
        try await options.run { daemon, console in
            let reply = try await daemon.call("org.qcredit.query.DeleteWatchList", ["name": .string(name)])
            console.reply(reply) { _ in ["\(name): deleted"] }
            return .success
        }
    }
}

/// A log's newest signed tree as a client saw it: its origin, size and root.
struct LogTree {
    var origin: String
    var size: Int64
    var rootHash: [UInt8]

    static func newest(from session: DaemonSession) async throws -> LogTree {
        let reply = try await session.call("org.qcredit.audit.GetCheckpoint")
        return LogTree(
            origin: reply["origin"]?.stringValue ?? "", size: reply["size"]?.intValue ?? 0,
            rootHash: try LogVerification.base64(reply["rootHash"], "root hash"))
    }

    /// Throws unless this tree is `earlier`'s log grown: the same origin, at least as large, and
    /// consistent with it (RFC 6962 proof from the daemon, checked here).
    func mustExtend(_ earlier: LogTree, from session: DaemonSession) async throws {
        func other(_ why: String) -> Failure {
            .verification("qcreditd at \(session.socketPath) now serves another log than the one this feed followed: \(why)")
        }
        guard origin == earlier.origin else { throw other("its origin is \(origin), was \(earlier.origin)") }
        guard size >= earlier.size else { throw other("it holds \(size) records, had signed \(earlier.size)") }
        if size == earlier.size {
            guard rootHash == earlier.rootHash else { throw other("another tree of \(size) records") }
            return
        }
        guard earlier.size > 0 else { return }
        let proof = try await LogVerification.consistencyProof(from: earlier.size, to: size, daemon: session)
        do {
            try MerkleProof.verifyConsistency(oldSize: earlier.size, newSize: size, oldRoot: earlier.rootHash, newRoot: rootHash, proof: proof)
        } catch {
            throw other("its tree of \(size) records does not extend the tree of \(earlier.size) (\(error))")
        }
    }
}
