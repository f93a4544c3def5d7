import ArgumentParser
import CanonicalJSON
import QCreditExport

/// `qcredit verify DIR --vkey KEY [--previous DIR]`: an auditor's check of an export, offline.
struct VerifyExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a signed export offline: manifest signature, digests, checkpoint, root, consistency.",
        discussion: """
            Checks the MANIFEST's signature with a trusted key, every file's size, SHA-256 and SM3, the \
            checkpoint's signature, the root recomputed from the entries (full export) or extended from \
            the tree the delta starts at, each record's canonical form, the order of state.jsonl, and — \
            with --previous — that this export's log extends the previous export's. Needs no daemon. \
            Prints one line per check; exits 0 only when all pass, 4 otherwise.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The export directory.", valueName: "dir"))
    var directory: String

    @Option(name: .customLong("vkey"), help: ArgumentHelp("A trusted verifier key (repeatable).", valueName: "key"))
    var verifierKeys: [String] = []

    @Option(help: ArgumentHelp("The previous export, to check this one extends it.", valueName: "dir"))
    var previous: String?

    func run() throws {
        try options.runLocally { console in
            _ = try LogVerification.verifiers(verifierKeys)
            let report = ExportVerifier.verify(directory: directory, verifierKeys: verifierKeys, previous: previous)
            if console.json {
                console.jsonLine([
                    "directory": .string(directory), "verified": .bool(report.passed),
                    "checks": .array(
                        report.checks.map { check in
                            [
                                "name": .string(check.name.rawValue), "file": JSONValue(check.file), "passed": .bool(check.passed),
                                "detail": .string(check.detail),
                            ]
                        }),
                ])
            } else {
                console.line(report.description)
            }
            return report.passed ? .success : .verificationFailed
        }
    }
}
