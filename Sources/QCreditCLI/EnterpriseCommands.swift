import ArgumentParser
import CanonicalJSON
import QCreditDomain

/// `qcredit register CODE --name N …`: RegisterEnterprise.
struct RegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Open a credit file for an enterprise.",
        discussion: """
            A USCC whose embedded organization code is already on file is attached to that \
            (legacy) file. --admit-wrong-check-character admits a pilot code really issued with a \
            wrong check character; the file then carries a visible flag.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The enterprise's USCC or organization code.")
    var code: String

    @Option(help: "The enterprise's registered name.")
    var name: String

    @Option(name: [.customLong("division"), .customLong("division-code")], help: "The administrative division code (GB/T 2260).")
    var divisionCode: String?

    @Option(help: "The entity type.")
    var entityType: String?

    @Flag(help: "Admit a code whose only fault is a wrong check character.")
    var admitWrongCheckCharacter = false

    func run() async throws {
        try await options.run(codes: [code], of: "org.qcredit.admin") { daemon, console in
            let reply = try await daemon.call(
                "org.qcredit.admin.RegisterEnterprise",
                parameters([
                    "code": .string(code), "name": .string(name), "divisionCode": .optional(divisionCode),
                    "entityType": .optional(entityType),
                    "admitWrongCheckCharacter": admitWrongCheckCharacter ? .bool(true) : nil,
                ]))
            console.reply(reply) { ["Registered."] + Render.enterprise($0["enterprise"]) }
            return .success
        }
    }
}

/// `qcredit update CODE --reason R …`: UpdateEnterprise.
struct UpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Record a rename or a change of status of an enterprise.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The enterprise's USCC or organization code.")
    var code: String

    @Option(help: "The new name.")
    var name: String?

    @Option(help: "The new status.")
    var status: EnterpriseStatus?

    @Option(help: ArgumentHelp("When the change took effect (default: today).", valueName: "date"))
    var effectiveOn: String?

    @Option(help: "Why the record changes.")
    var reason: String

    @Option(name: .document, help: "The document recording the change.")
    var documentNumber: String?

    func validate() throws {
        guard name != nil || status != nil else { throw ValidationError("give what changes: --name, --status or both") }
    }

    func run() async throws {
        try await options.run(codes: [code], of: "org.qcredit.admin") { daemon, console in
            let reply = try await daemon.call(
                "org.qcredit.admin.UpdateEnterprise",
                parameters([
                    "code": .string(code), "name": .optional(name), "status": .optional(status?.rawValue),
                    "effectiveOn": .optional(effectiveOn), "reason": .string(reason),
                    "documentNumber": .optional(documentNumber),
                ]))
            console.reply(reply) { ["Updated."] + Render.enterprise($0["enterprise"]) }
            return .success
        }
    }
}
