import ArgumentParser
import CanonicalJSON
import QCreditDomain

/// `qcredit check-code CODE`: validates a code locally, without the daemon.
struct CheckCodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-code",
        abstract: "Check a USCC or organization code locally, without the daemon.",
        discussion: """
            Normalises the code as the registry does (spaces, hyphens, lower case and full-width \
            characters) and validates its characters and check characters. Prints the normalised \
            code and what it encodes, or exactly what is wrong and where (exit status 1).
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The code to check.")
    var code: String

    func run() async throws {
        try options.runLocally { console in
            let validated: EnterpriseCode
            do throws(CodeError) {
                validated = try EnterpriseCode(validating: code)
            } catch {
                throw Failure.invalidCode(error)
            }
            console.reply(Self.facts(validated), Self.render)
            return .success
        }
    }

    /// What the code encodes, with the wire's member names.
    static func facts(_ code: EnterpriseCode) -> [String: JSONValue] {
        parameters([
            "code": .string(code.value), "kind": .string(code.kind.rawValue), "orgCode": .string(code.orgCode),
            "formattedOrgCode": .string(code.formattedOrgCode), "divisionCode": .optional(code.divisionCode),
            "registrationAuthority": .optional(code.registrationAuthority.map(String.init)),
            "entityType": .optional(code.entityType.map(String.init)),
        ])
    }

    static func render(_ facts: [String: JSONValue]) -> [String] {
        var block = KeyValueBlock()
        block.add("Code", facts["code"]?.stringValue)
        let isUSCC = facts["kind"]?.stringValue == CodeKind.uscc.rawValue
        block.add("Kind", isUSCC ? "USCC (GB 32100-2015)" : "organization code (GB 11714-1997)")
        block.add(isUSCC ? "Embedded org code" : "Org code", facts["formattedOrgCode"]?.stringValue)
        let authority = facts["registrationAuthority"]?.stringValue
        block.add("Registration authority", authority.map { described($0, registrationAuthorities[$0]) })
        block.add("Entity type", facts["entityType"]?.stringValue.map { described($0, authority == "9" ? marketEntityTypes[$0] : nil) })
        block.add("Division", facts["divisionCode"]?.stringValue)
        return block.lines()
    }

    private static func described(_ value: String, _ meaning: String?) -> String {
        meaning.map { "\(value) (\($0))" } ?? value
    }

    /// USCC position 1, for the authorities most codes come from.
    static let registrationAuthorities = [
        "1": "staffing office", "5": "civil affairs", "9": "market regulation", "Y": "other",
    ]

    /// USCC position 2 under registration authority 9 (market regulation).
    static let marketEntityTypes = ["1": "enterprise", "2": "individual business", "3": "farmers' cooperative"]
}
