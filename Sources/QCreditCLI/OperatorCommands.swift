import ArgumentParser
import CanonicalJSON
import FileSafety
import Foundation
import QCreditDomain

#if canImport(Glibc)
    import Glibc
#endif

/// `qcredit status`: GetStatus.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the daemon's version, uptime, counts, log size, last checkpoint, last export and failing background work.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run { daemon, console in
            let reply = try await daemon.call("org.qcredit.operator.GetStatus")
            console.reply(reply) { reply in
                var block = KeyValueBlock()
                block.add("Version", reply["version"]?.stringValue)
                block.add("Started", reply["startedAt"]?.stringValue)
                block.add("Uptime", reply["uptimeSeconds"]?.intValue.map(Self.duration))
                block.add("Mode", reply["developmentMode"]?.boolValue == true ? "development (the daemon's user holds every role)" : "configured roles")
                block.add("Log origin", reply["origin"]?.stringValue)
                block.add("Policy", reply["policyVersion"]?.stringValue)
                block.add("State", reply["stateDirectory"]?.stringValue)
                block.add("Enterprises", reply["enterprises"]?.intValue.map(String.init))
                block.add("Quality events", reply["qualityEvents"]?.intValue.map(String.init))
                let listed = (reply["listed"]?.objectValue ?? [:]).sorted { $0.key < $1.key }
                    .map { "\($0.key) \($0.value.intValue ?? 0)" }.joined(separator: ", ")
                block.add("On lists", listed.isEmpty ? "none" : listed)
                block.add("Log size", reply["logSize"]?.intValue.map(Render.records))
                if let checkpoint = reply["checkpoint"], !checkpoint.isNull {
                    block.add("Last checkpoint", "\(Render.records(checkpoint["size"]?.intValue ?? 0)), signed \(checkpoint["signedAt"]?.stringValue ?? "?")")
                } else {
                    block.add("Last checkpoint", "none")
                }
                let overdue = (reply["overdueRepairs"]?.arrayValue ?? []).map {
                    "application \($0["applicationId"]?.intValue ?? 0) (listing \($0["listingId"]?.intValue ?? 0), due \($0["decideBy"]?.stringValue ?? "?"))"
                }
                block.add("Repairs pending", reply["pendingRepairs"]?.intValue.map(String.init))
                block.add("Repairs overdue", overdue.isEmpty ? "none" : overdue.joined(separator: ", "))
                // The timer's health is the newest export written, kept or not: a repair withdraws
                // every export that disclosed the listing, and retention prunes the rest.
                // (Not `flatMap { $0.isNull ? nil : $0 }`: JSONValue takes `nil` as its own null.)
                let written: JSONValue? = if let value = reply["newestExportWritten"], !value.isNull { value } else { nil }
                let exportOverdue = Self.overdueNote(created: [reply["lastExport"], written].compactMap { $0?["created"]?.stringValue }.max())
                if let export = reply["lastExport"], !export.isNull {
                    block.add("Last export", Self.describe(export) + exportOverdue)
                } else if let written {
                    // Every one withdrawn (a removal ends what they disclosed; the daemon's log
                    // names them) or pruned: the next one holds the whole log.
                    block.add(
                        "Last export", "none in the exports directory (the next export is a full one); the newest written was "
                            + Self.describe(written) + exportOverdue)
                } else {
                    let records = reply["logSize"]?.intValue ?? 0
                    block.add("Last export", records > 0 ? "none in the exports directory (the next export is a full one)" : "none")
                }
                let problems = reply["problems"]?.arrayValue ?? []
                if problems.isEmpty { block.add("Problems", "none") }
                for problem in problems {
                    let failures = problem["failures"]?.intValue ?? 0
                    block.add(
                        "Problem",
                        "\(problem["work"]?.stringValue ?? "?") failing since \(problem["since"]?.stringValue ?? "?") "
                            + "(\(failures) failure\(failures == 1 ? "" : "s"), last \(problem["lastFailure"]?.stringValue ?? "?")): "
                            + (problem["reason"]?.stringValue ?? "?"))
                }
                return block.lines()
            }
            return .success
        }
    }

    /// An export of GetStatus: `name (kind, N records, created)`.
    static func describe(_ export: JSONValue) -> String {
        "\(export["name"]?.stringValue ?? "?") (\(export["kind"]?.stringValue ?? "?"), "
            + "\(Render.records(export["treeSize"]?.intValue ?? 0)), \(export["created"]?.stringValue ?? "?"))"
    }

    /// Said when the newest export is more than 26 hours old: the nightly export (02:00, up to
    /// 15 minutes later by the timer's random delay, and a large one runs for minutes) is
    /// missing, so the published state and the auditors' copy are falling behind.
    static func overdueNote(created: String?, now: Date = Date()) -> String {
        guard let made = created.flatMap(Instant.init(rfc3339:)) else { return "" }
        let age = Int64(now.timeIntervalSince1970) - made.secondsSinceEpoch
        guard age > 26 * 3600 else { return "" }
        return "; OVERDUE: \(duration(age)) old, more than 26 hours (is qcredit-export.timer running?)"
    }

    static func duration(_ seconds: Int64) -> String {
        let days = seconds / 86_400
        let hours = seconds % 86_400 / 3600
        let minutes = seconds % 3600 / 60
        return days > 0 ? "\(days)d \(hours)h \(minutes)m" : hours > 0 ? "\(hours)h \(minutes)m" : "\(minutes)m \(seconds % 60)s"
    }
}

/// `qcredit export [--full]`: Export.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Have the daemon write a signed export into its exports directory (operator role).",
        discussion: """
            A delta (the log entries since the previous export) unless --full or there is none yet, and its restricted \
            part for auditors (every opening) in the exports directory's restricted/. The nightly timer runs this.
            """)

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Include every log entry, not only those since the previous export.")
    var full = false

    func run() async throws {
        try await options.run { daemon, console in
            let reply = try await daemon.call("org.qcredit.operator.Export", full ? ["full": true] : [:])
            console.reply(reply) { reply in
                var block = KeyValueBlock()
                block.add("Export", reply["name"]?.stringValue)
                block.add("Directory", reply["directory"]?.stringValue)
                block.add("Kind", reply["kind"]?.stringValue)
                block.add("Tree size", reply["treeSize"]?.intValue.map(String.init))
                block.add("Entries", reply["entries"]?.intValue.map(String.init))
                block.add("Enterprises", reply["enterprises"]?.intValue.map(String.init))
                block.add("Listings", reply["listings"]?.intValue.map(String.init))
                block.add("Openings", reply["openings"]?.intValue.map(String.init))
                block.add("Restricted", reply["restrictedPart"]?.stringValue)
                block.add("All openings", reply["restrictedOpenings"]?.intValue.map(String.init))
                block.add("Files", reply["files"]?.intValue.map(String.init))
                block.add("Size", reply["bytes"]?.intValue.map(Self.bytes))
                block.add("Time", reply["seconds"]?.doubleValue.map { String(format: "%.2f s", $0) })
                let pruned = reply["pruned"]?.arrayValue?.compactMap(\.stringValue) ?? []
                block.add("Removed", pruned.isEmpty ? nil : pruned.joined(separator: ", "))
                return block.lines()
            }
            return .success
        }
    }

    static func bytes(_ count: Int64) -> String {
        count >= 1 << 20 ? String(format: "%.1f MiB", Double(count) / 1_048_576) : count >= 1024 ? String(format: "%.1f KiB", Double(count) / 1024) : "\(count) bytes"
    }
}

/// `qcredit backup DEST`: Backup, streamed into DEST.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take an online, consistent backup into DEST while the daemon serves (operator role).",
        discussion: """
            DEST must not exist or be empty. It receives registry.sqlite (SQLite's online backup) and \
            checkpoint (the last signed checkpoint). To restore: stop qcreditd and run \
            `qcredit restore DEST --config FILE [--entries EXPORT...]` as the daemon's user (README: Backup and restore).
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The directory to write the backup into.", valueName: "dest"))
    var destination: String

    func run() async throws {
        try await options.run { daemon, console in
            let fileManager = FileManager.default
            if let existing = try? fileManager.contentsOfDirectory(atPath: destination), !existing.isEmpty {
                throw Failure.badInput("\(destination) is not empty; give a new or empty directory")
            }
            // Every directory and link on the way, not only DEST: one another user owns or may
            // write lets them swap what lies below it while the backup is written.
            if let problem = TrustedPath.problem(ofDirectory: destination, judgingItself: false) {
                throw Failure.badInput("cannot back up into \(destination): \(problem); give a directory only you (or root) can change the way to")
            }
            // What it made for the backup (it and its parents): a backup that fails leaves none of them.
            let directories: MadeDirectories
            do {
                directories = try MadeDirectories.make(destination, mode: 0o700)
            } catch {
                throw Failure.badInput("cannot create \(destination): \(fileErrorText(error))")
            }
            let created = !directories.made.isEmpty
            // A backup holds every record, the undisclosed ones too: it goes only into a directory
            // of the caller's (not one another user made in a shared folder, who could read or
            // swap what is written there; the way to it, links included, was judged above).
            var owner = stat()
            guard stat(destination, &owner) == 0 else {
                throw Failure.badInput("cannot use \(destination): \(systemErrorText(errno))")
            }
            guard owner.st_uid == geteuid() else {
                throw Failure.badInput("\(destination) belongs to another user (uid \(owner.st_uid)); give a new directory or one of your own")
            }
            // An empty directory given keeps its own mode otherwise: a backup holds every record.
            guard chmod(destination, 0o700) == 0 else {
                throw Failure.badInput("cannot make \(destination) private (mode 0700): \(systemErrorText(errno))")
            }
            var handles: [String: FileHandle] = [:]
            var written: [String: Int64] = [:]
            var sizes: [String: Int64] = [:]
            // A backup that failed (refused, cut off) leaves nothing behind that looks like one:
            // each file is written as NAME.partial and renamed once whole and synced, so even a
            // client killed part-way leaves no `registry.sqlite` that `restore` would take up.
            var finished = false
            func partial(_ name: String) -> String { (destination as NSString).appendingPathComponent(name + ".partial") }
            defer {
                if !finished {
                    if created {
                        try? fileManager.removeItem(atPath: destination)
                        // Its parents only while empty: anything another process put there meanwhile stays.
                        directories.removeEmpty()
                    } else {
                        for name in handles.keys {
                            try? fileManager.removeItem(atPath: partial(name))
                            try? fileManager.removeItem(atPath: (destination as NSString).appendingPathComponent(name))
                        }
                    }
                }
            }
            for try await reply in try await daemon.stream("org.qcredit.operator.Backup") {
                guard let name = reply["file"]?.stringValue, ["registry.sqlite", "checkpoint"].contains(name),
                    let data = reply["data"]?.stringValue.flatMap({ Data(base64Encoded: $0) })
                else { throw Failure.unexpected("the daemon sent a malformed backup chunk") }
                if handles[name] == nil {
                    let path = partial(name)
                    // A new file of its own (never one there already, nor what a link names),
                    // private whatever the umask, written through the descriptor that made it.
                    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
                    guard descriptor >= 0 else { throw Failure.badInput("cannot write \(path): \(systemErrorText(errno))") }
                    fchmod(descriptor, 0o600)
                    handles[name] = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
                }
                guard reply["offset"]?.intValue == written[name, default: 0] else {
                    throw Failure.unexpected("backup chunk of \(name) out of order")
                }
                do {
                    try handles[name]!.write(contentsOf: data)
                } catch {
                    throw Failure.badInput("cannot write \(partial(name)): \(fileErrorText(error))")
                }
                written[name, default: 0] += Int64(data.count)
                sizes[name] = reply["size"]?.intValue
            }
            for (name, handle) in handles {
                do {
                    try handle.synchronize()
                    try handle.close()
                } catch {
                    throw Failure.badInput("cannot write \(partial(name)): \(fileErrorText(error))")
                }
                guard written[name] == sizes[name] else {
                    throw Failure.unexpected("\(name): received \(written[name] ?? 0) of \(sizes[name] ?? 0) bytes")
                }
            }
            for name in handles.keys.sorted() {
                guard rename(partial(name), (destination as NSString).appendingPathComponent(name)) == 0 else {
                    throw Failure.badInput("cannot rename \(partial(name)) into place: \(systemErrorText(errno))")
                }
            }
            let directoryFD = open(destination, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if directoryFD >= 0 {
                fsync(directoryFD)
                close(directoryFD)
            }
            finished = true
            let files = written.keys.sorted().map { "\($0) \(written[$0]!) bytes" }
            if console.json {
                console.jsonLine(["destination": .string(destination), "files": .object(written.mapValues { .int($0) })])
            } else {
                console.line("backup written to \(destination): \(files.joined(separator: ", "))")
            }
            return .success
        }
    }
}
