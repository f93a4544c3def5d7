import ArgumentParser
import CanonicalJSON

/// `qcredit override CODE --grade G --reason R --document D [--until DATE]`: OverrideGrade.
struct OverrideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "override",
        abstract: "Override an enterprise's computed grade.",
        discussion: "The override holds until --until (inclusive) or a later override. Listings still cap it.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The enterprise's USCC or organization code.")
    var code: String

    @Option(help: "The grade to put in force (AAA, AA, A, B, C or D under the default policy).")
    var grade: String

    @Option(help: "Why the computed grade is overridden.")
    var reason: String

    @Option(name: .document, help: "The deciding document's number.")
    var documentNumber: String

    @Option(help: ArgumentHelp("The override's last day in force (default: until the next override).", valueName: "date"))
    var until: String?

    func run() async throws {
        try await options.run(codes: [code], of: "org.qcredit.admin") { daemon, console in
            let reply = try await daemon.call(
                "org.qcredit.admin.OverrideGrade",
                parameters([
                    "code": .string(code), "grade": .string(grade), "reason": .string(reason),
                    "documentNumber": .string(documentNumber), "until": .optional(until),
                ]))
            console.reply(reply) { Render.grade($0["grade"]) }
            return .success
        }
    }
}

/// `qcredit publish [CODE...]`: PublishGrades.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Compute grades under the policy in force and publish each that changed.",
        discussion: "Without codes, every credit file; with codes, those files, atomically.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The enterprises' USCCs or organization codes.")
    var codes: [String] = []

    func run() async throws {
        try await options.run(codes: codes, of: "org.qcredit.admin", inList: true) { daemon, console in
            let reply = try await daemon.call(
                "org.qcredit.admin.PublishGrades",
                parameters(["codes": codes.isEmpty ? nil : .array(codes.map(JSONValue.string))]))
            console.reply(reply) { reply in
                var block = KeyValueBlock()
                block.add("Published", Render.integer(reply["published"]))
                block.add("Unchanged", Render.integer(reply["unchanged"]))
                block.add("Overridden", Render.integer(reply["overridden"]))
                block.add("Inactive", Render.integer(reply["inactive"]))
                block.add("Failed", Render.integer(reply["failed"]))
                return block.lines()
            }
            return .success
        }
    }
}

/// `qcredit maintenance`: RunMaintenance.
struct MaintenanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintenance",
        abstract: "Apply what time decides now: expiry of listings, escalation proposals and the daily regrade.",
        discussion: "The daemon also does this on its own schedule. Requires the operator role.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run { daemon, console in
            let reply = try await daemon.call("org.qcredit.operator.RunMaintenance")
            console.reply(reply) { reply in
                func ids(_ key: String) -> String {
                    let ids = (reply[key]?.arrayValue ?? []).compactMap { Render.integer($0) }
                    return ids.isEmpty ? "none" : ids.joined(separator: ", ")
                }
                var block = KeyValueBlock()
                block.add("Expired listings", ids("expired"))
                block.add("Escalated listings", ids("escalated"))
                block.add("Grades recomputed", reply["recomputed"].flatMap { Render.integer($0) } ?? "0")
                block.add("New grades published", reply["regraded"].flatMap { Render.integer($0) } ?? "0")
                return block.lines()
            }
            return .success
        }
    }
}
