import ArgumentParser
import CanonicalJSON
import Foundation
import Glibc
import QCreditExport

/// `qcredit verify DIR --vkey KEY [--previous DIR] [--restricted | --restricted-part DIR]`: an
/// auditor's check of an export (and of its restricted part), offline.
struct VerifyExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a signed export offline: manifest signature, digests, checkpoint, root, consistency.",
        discussion: """
            Checks the MANIFEST's signature with a trusted key, every file's size, SHA-256 and SM3, the \
            checkpoint's signature, the root recomputed from the entries (full export) or extended from \
            the tree the delta starts at, each leaf's form, that each disclosed opening opens its leaf, the \
            order of state.jsonl, and — with --previous — that this export's log extends the previous export's. \
            With --restricted (the part in ../restricted/<name>) or --restricted-part DIR, also the restricted \
            part: its MANIFEST, signatures and digests, and that every entry has an opening there that opens its \
            leaf. Needs no daemon. Prints one line per check; exits 0 only when all pass, 4 otherwise.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The export directory.", valueName: "dir"))
    var directory: String

    @Option(name: .customLong("vkey"), help: ArgumentHelp("A trusted verifier key (repeatable).", valueName: "key"))
    var verifierKeys: [String] = []

    @Option(help: ArgumentHelp("The previous export, to check this one extends it.", valueName: "dir"))
    var previous: String?

    @Flag(help: "Also check the export's restricted part, in ../restricted/<name> beside it (auditors only can read it).")
    var restricted = false

    @Option(name: .customLong("restricted-part"), help: ArgumentHelp("Also check this restricted part of the export.", valueName: "dir"))
    var restrictedPart: String?

    func run() throws {
        try options.runLocally { console in
            _ = try LogVerification.verifiers(verifierKeys)
            // Input that cannot be read is a usage error (exit 2), not a failed verification.
            // Directories named on the command line must be there: a typo is a usage error, not a
            // failed check. (A restricted part that --restricted looks for beside the export and
            // does not find is a failed check: the export lacks its part.)
            for (option, path) in [("", directory as String?), ("--previous ", previous), ("--restricted-part ", restrictedPart)] {
                guard let path else { continue }
                if access(path, F_OK) != 0 {
                    // A folder on the way closed to this user: said below for the export and its part.
                    if errno == EACCES { continue }
                    throw Failure.badInput("\(option)\(path) does not exist: give an export directory")
                }
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    throw Failure.badInput("\(option)\(path) is not a directory: give an export directory")
                }
            }
            if let previous, InputFile.sameFile(previous, directory) {
                throw Failure.badInput("--previous \(previous) is the export being verified: give the export before it")
            }
            let part = restrictedPart ?? (restricted ? ExportVerifier.restrictedPart(of: directory) : nil)
            // A directory there that this user may not read (the restricted part, for anyone
            // outside the auditor group) cannot be checked: that is not a failed check either.
            for place in [directory] + (part.map { [$0] } ?? []) {
                // EACCES also when a folder on the way may not be entered (`restricted/`, 0750).
                if access(place, R_OK | X_OK) != 0, errno == EACCES {
                    throw Failure.badInput(
                        "cannot read \(place): \(systemErrorText(EACCES))"
                            + (place == part ? " (a restricted part is readable by its auditor group only)" : ""))
                }
            }
            let report = ExportVerifier.verify(
                directory: directory, verifierKeys: verifierKeys, previous: previous, restrictedPart: part)
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
