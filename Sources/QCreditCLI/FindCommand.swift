import ArgumentParser
import CanonicalJSON

/// `qcredit find NAME`: FindEnterprises, as a table.
struct FindCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "find",
        abstract: "Find credit files by current or former name.",
        discussion: """
            Matches Chinese and Latin names, ignoring case and full-width forms: exact names \
            first, then names starting with NAME, then names containing it, then (for six \
            characters or more) names containing it with a character wrong, missing or extra. \
            One or two characters match names starting with them. Banks see the public view.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The name, or part of it.")
    var name: String

    // Unconditional: `--limit -1` is a value the registry refuses by name, not an unknown option.
    @Option(parsing: .unconditional, help: "The most files to list (1 to 100, default 20).")
    var limit: Int?

    func run() async throws {
        try await options.run { daemon, console in
            let reply = try await daemon.call(
                "org.qcredit.query.FindEnterprises",
                parameters(["name": .string(name), "limit": limit.map { .int(Int64($0)) }]))
            console.reply(reply) { reply in
                let matches = reply["matches"]?.arrayValue ?? []
                guard !matches.isEmpty else { return ["No file matches."] }
                var table = Table(["CODE", "NAME", "MATCHED", "MATCH", "GRADE", "LISTED"])
                for match in matches {
                    let former = match["formerName"]?.boolValue == true
                    table.append([
                        match["uscc"]?.stringValue ?? match["orgCode"]?.stringValue.map(Render.formattedOrgCode) ?? Render.none,
                        Render.text(match["name"]),
                        former ? "\(Render.text(match["matchedName"])) (former name)" : "current name",
                        Render.text(match["match"]), Render.text(match["grade"]),
                        (match["listed"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "),
                    ])
                }
                return table.lines()
            }
            return .success
        }
    }
}
