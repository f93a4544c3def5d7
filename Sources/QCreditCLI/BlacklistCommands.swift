import ArgumentParser
import CanonicalJSON
import QCreditDomain

/// `qcredit blacklist …`: checking the lists, and a listing's life from proposal to removal.
struct BlacklistCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blacklist",
        abstract: "Check the blacklists and take listings through their lifecycle.",
        discussion: """
            A listing is proposed, may be objected to (the objection is resolved upheld or \
            rejected), is confirmed (published) or withdrawn, and is finally removed: revoked or cured \
            here, repaired through `qcredit repair`, expired by the registry itself.
            """,
        subcommands: [
            BlacklistCheckCommand.self, BlacklistListCommand.self, BlacklistProposeCommand.self,
            BlacklistObjectCommand.self, BlacklistResolveCommand.self, BlacklistConfirmCommand.self,
            BlacklistWithdrawCommand.self, BlacklistRemoveCommand.self,
        ])
}

/// Calls an admin method that answers with a listing, and prints the listing.
private func changeListing(
    _ options: GlobalOptions, _ method: String, _ values: [String: JSONValue?], codes: [String] = []
) async throws {
    try await options.run(codes: codes, of: "org.qcredit.admin") { daemon, console in
        let reply = try await daemon.call("org.qcredit.admin.\(method)", parameters(values))
        console.reply(reply) { Render.listing($0["listing"]) }
        return .success
    }
}

struct BlacklistCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Show whether an enterprise is on any list now, with those listings.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The enterprise's USCC or organization code.")
    var code: String

    func run() async throws {
        try await options.run(codes: [code]) { daemon, console in
            let reply = try await daemon.call("org.qcredit.query.CheckBlacklist", ["code": .string(code)])
            console.reply(reply, Render.blacklistCheck)
            return .success
        }
    }
}

struct BlacklistListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List everything on the blacklists now, in listing id order, as the replies arrive.")

    @OptionGroup var options: GlobalOptions

    @Option(name: .listType, help: "Only this list (serious-dishonesty, abnormal-operations, …).")
    var listType: String?

    @Option(help: ArgumentHelp("Only listings published on or after this date.", valueName: "date"))
    var since: String?

    func run() async throws {
        try await options.run { daemon, console in
            let replies = try await daemon.stream(
                "org.qcredit.query.ListBlacklist",
                parameters(["listType": .optional(listType), "since": .optional(since)]))
            var count = 0
            for try await reply in replies {
                if console.json {
                    console.jsonLine(.object(reply))
                } else if let listing = reply["listing"] {
                    if count == 0 { console.line(Render.listingRowHeader) }
                    console.line(Render.listingRow(listing))
                }
                if reply["listing"] != nil { count += 1 }
            }
            if count == 0 { console.line("No listings.") }
            return .success
        }
    }
}

struct BlacklistProposeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "propose", abstract: "Propose a blacklisting; the party may object before it is confirmed.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The enterprise's USCC or organization code.")
    var code: String

    @Option(name: .listType, help: "The list: serious-dishonesty, abnormal-operations, or another the policy defines.")
    var listType: String

    @Option(help: "Why the enterprise is listed.")
    var reason: String

    @Option(help: "The provision the decision applies.")
    var legalBasis: String

    @Option(help: "The deciding authority.")
    var authority: String

    @Option(name: .document, help: "The decision document's number.")
    var documentNumber: String

    @Option(help: ArgumentHelp("The date of the decision.", valueName: "date"))
    var decisionDate: String

    func run() async throws {
        try await changeListing(
            options, "ProposeListing",
            [
                "code": .string(code), "listType": .string(listType), "reason": .string(reason),
                "legalBasis": .string(legalBasis), "authority": .string(authority),
                "documentNumber": .string(documentNumber), "decisionDate": .string(decisionDate),
            ], codes: [code])
    }
}

struct BlacklistObjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "object",
        abstract: "File the party's objection (while proposed, or within the list's window after publication).")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The listing.", valueName: "listing-id"))
    var listingId: Int

    @Option(help: "What the party objects.")
    var summary: String

    @Option(help: ArgumentHelp("When the objection was filed (default: today).", valueName: "date"))
    var filedOn: String?

    func run() async throws {
        try await changeListing(
            options, "FileObjection",
            ["listingId": .int(Int64(listingId)), "summary": .string(summary), "filedOn": .optional(filedOn)])
    }
}

struct BlacklistResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Resolve the pending objection.",
        discussion: "upheld withdraws a proposal or revokes a listing; rejected lets it go on.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The listing.", valueName: "listing-id"))
    var listingId: Int

    @Option(help: "The objection's outcome.")
    var outcome: ObjectionOutcome

    @Option(help: "The resolving authority.")
    var authority: String

    @Option(name: .document, help: "The resolution's document number.")
    var documentNumber: String

    @Option(help: ArgumentHelp("When it was resolved (default: today).", valueName: "date"))
    var resolvedOn: String?

    @Option(help: "The grounds of the resolution.")
    var summary: String?

    func run() async throws {
        try await changeListing(
            options, "ResolveObjection",
            [
                "listingId": .int(Int64(listingId)), "outcome": .string(outcome.rawValue),
                "authority": .string(authority), "documentNumber": .string(documentNumber),
                "resolvedOn": .optional(resolvedOn), "summary": .optional(summary),
            ])
    }
}

struct BlacklistConfirmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confirm",
        abstract: "Publish a proposed listing; a serious-dishonesty listing forces grade D at once.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The listing.", valueName: "listing-id"))
    var listingId: Int

    @Option(help: ArgumentHelp("When it is published (default: today).", valueName: "date"))
    var publicationDate: String?

    @Option(help: "The publishing authority (default: the deciding one).")
    var authority: String?

    @Option(name: .document, help: "The publication's document number (default: the decision's).")
    var documentNumber: String?

    func run() async throws {
        try await changeListing(
            options, "ConfirmListing",
            [
                "listingId": .int(Int64(listingId)), "publicationDate": .optional(publicationDate),
                "authority": .optional(authority), "documentNumber": .optional(documentNumber),
            ])
    }
}

struct BlacklistWithdrawCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdraw", abstract: "Drop a proposal before it is published.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The listing.", valueName: "listing-id"))
    var listingId: Int

    @Option(help: "Why the proposal is dropped.")
    var reason: String

    @Option(help: ArgumentHelp("When it was withdrawn (default: today).", valueName: "date"))
    var withdrawnOn: String?

    @Option(name: .document, help: "The withdrawal's document number.")
    var documentNumber: String?

    func run() async throws {
        try await changeListing(
            options, "WithdrawListing",
            [
                "listingId": .int(Int64(listingId)), "reason": .string(reason),
                "withdrawnOn": .optional(withdrawnOn), "documentNumber": .optional(documentNumber),
            ])
    }
}

struct BlacklistRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Take a listing off its list.",
        discussion: """
            revoked: the decision was overturned (its public disclosure ends at once); cured: abnormal \
            operations remedied. Credit repair goes through `qcredit repair apply` and `qcredit repair decide`.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The listing.", valueName: "listing-id"))
    var listingId: Int

    @Option(help: "Why the listing is removed.")
    var reason: RemovalChoice

    @Option(help: "The removing authority.")
    var authority: String

    @Option(name: .document, help: "The removal's document number.")
    var documentNumber: String

    @Option(help: ArgumentHelp("When it was removed (default: today).", valueName: "date"))
    var removedOn: String?

    @Option(help: "The grounds of the removal.")
    var explanation: String?

    func run() async throws {
        try await changeListing(
            options, "RemoveListing",
            [
                "listingId": .int(Int64(listingId)), "reason": .string(reason.rawValue),
                "authority": .string(authority), "documentNumber": .string(documentNumber),
                "removedOn": .optional(removedOn), "explanation": .optional(explanation),
            ])
    }
}
