import ArgumentParser
import CanonicalJSON
import Foundation
import QCreditCrypto

/// `qcredit repair …`: credit repair (信用修复) as a workflow — an application on the
/// enterprise's behalf, checked against the policy, then a regulator's decision.
struct RepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Credit repair: record an application for a listing, decide it, list the applications.",
        discussion: """
            An application is refused before the policy's minimum period after publication, with the rule \
            and the first eligible day. Approval removes the listing as repaired and ends the public \
            disclosure of its records in the same transaction. Undecided applications past the policy's \
            deadline show in `qcredit status`.
            """,
        subcommands: [RepairApplyCommand.self, RepairDecideCommand.self, RepairListCommand.self])
}

struct RepairApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Record an application for credit repair of a listing.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The listing.", valueName: "listing-id"))
    var listingId: Int

    @Option(help: ArgumentHelp("The signed commitment letter (its SHA-256 is recorded).", valueName: "file"))
    var commitmentLetter: String?

    @Option(name: .customLong("commitment-letter-sha256"), help: ArgumentHelp("Or the letter's SHA-256, 64 hex digits.", valueName: "hex"))
    var commitmentLetterSHA256: String?

    @Option(help: "What proves the penalty was fulfilled (a payment receipt's number, a rectification report).")
    var penaltyFulfilment: String

    @Option(name: .customLong("contact"), help: "The applicant's contact.")
    var applicantContact: String

    @Option(help: ArgumentHelp("When the enterprise applied (default: today).", valueName: "date"))
    var appliedOn: String?

    func run() async throws {
        try await options.run { daemon, console in
            let digest: String
            switch (commitmentLetter, commitmentLetterSHA256) {
            case (let path?, nil):
                digest = Digest.sha256(try InputFile.rawBytes(of: path)).map { String(format: "%02x", $0) }.joined()
            case (nil, let hex?):
                digest = hex
            case (_?, _?):
                throw Failure.badInput("give the commitment letter once: --commitment-letter FILE or --commitment-letter-sha256 HEX, not both")
            case (nil, nil):
                throw Failure.badInput("give the commitment letter: --commitment-letter FILE or --commitment-letter-sha256 HEX")
            }
            let reply = try await daemon.call(
                "org.qcredit.admin.ApplyForRepair",
                parameters([
                    "listingId": .int(Int64(listingId)), "commitmentLetterSha256": .string(digest),
                    "penaltyFulfilment": .string(penaltyFulfilment), "applicantContact": .string(applicantContact),
                    "appliedOn": .optional(appliedOn),
                ]))
            console.reply(reply) { Render.repairApplication($0["application"]) }
            return .success
        }
    }
}

struct RepairDecideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide", abstract: "Approve or reject an application; approval removes the listing as repaired.")

    enum Decision: String, CaseIterable, ExpressibleByArgument {
        case approve, reject
    }

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The application.", valueName: "application-id"))
    var applicationId: Int

    @Option(help: "approve or reject.")
    var decision: Decision

    @Option(help: "The grounds of the decision.")
    var reason: String

    @Option(name: .document, help: "The decision's document number.")
    var documentNumber: String

    @Option(help: ArgumentHelp("When it was decided (default: today).", valueName: "date"))
    var decidedOn: String?

    @Option(help: "The deciding authority (default: the listing's).")
    var authority: String?

    func run() async throws {
        try await options.run { daemon, console in
            let reply = try await daemon.call(
                "org.qcredit.admin.DecideRepair",
                parameters([
                    "applicationId": .int(Int64(applicationId)), "decision": .string(decision.rawValue), "reason": .string(reason),
                    "documentNumber": .string(documentNumber), "decidedOn": .optional(decidedOn), "authority": .optional(authority),
                ]))
            console.reply(reply) { Render.repairApplication($0["application"]) + [""] + Render.listing($0["listing"]) }
            return .success
        }
    }
}

struct RepairListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List credit-repair applications, oldest first.")

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Only the applications still to be decided.")
    var pending = false

    func run() async throws {
        try await options.run { daemon, console in
            let reply = try await daemon.call("org.qcredit.admin.ListRepairApplications", pending ? ["pendingOnly": true] : [:])
            console.reply(reply) { reply in
                let applications = reply["applications"]?.arrayValue ?? []
                guard !applications.isEmpty else { return ["No applications."] }
                var table = Table(["ID", "LISTING", "APPLIED", "DECIDE BY", "STATUS", "DECIDED", "DOCUMENT"])
                for application in applications {
                    let status = (application["status"]?.stringValue ?? "?") + (application["overdue"]?.boolValue == true ? " (overdue)" : "")
                    table.append([
                        Render.integer(application["id"]) ?? "?", Render.integer(application["listingId"]) ?? "?",
                        Render.text(application["appliedOn"]), Render.text(application["decideBy"]), status,
                        Render.text(application["decision"]?["decidedOn"]), Render.text(application["decision"]?["documentNumber"]),
                    ])
                }
                return table.lines()
            }
            return .success
        }
    }
}
