import Foundation
import Testing

/// The README's worked examples are real output: an auditor checks their own verifier against them.
@Suite struct ReadmeExampleTests {
    static func readme() throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The text between `start` (excluded) and the next `end` (excluded).
    static func section(of text: String, after start: String, before end: String) throws -> String {
        let from = try #require(text.range(of: start), "README lacks \(start)")
        let to = try #require(text.range(of: end, range: from.upperBound..<text.endIndex), "README lacks \(end) after \(start)")
        return String(text[from.upperBound..<to.lowerBound])
    }

    /// *The command-line client*: its table names every command `qcredit --help` lists and no
    /// other, and its exit statuses are the ones `--help` gives.
    @Test func theClientSectionListsEveryCommandAndTheExitStatusesOfHelp() async throws {
        let text = try Self.readme()
        let client = try Self.section(of: text, after: "## The command-line client\n", before: "\n## Walk-through by role")
        let help = try await runCommand(DaemonProcess.product("qcredit"), ["--help"])
        let subcommands = try Self.section(of: help.stdout, after: "SUBCOMMANDS:\n", before: "\n\n")
            .split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
        let table = try Self.section(of: client, after: "| for | commands |\n|---|---|\n", before: "\n\n")
        // The first word of each backquoted command in the table's second column.
        let named = Set(table.split(separator: "\n").flatMap { row -> [String] in
            // `\|` is a bar inside a cell (`events FILE\|-`), not between cells.
            let cells = row.replacingOccurrences(of: "\\|", with: "/").split(separator: "|", omittingEmptySubsequences: false)
            guard cells.count > 2 else { return [] }
            return cells[2].split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }
                .compactMap { $0.element.split(separator: " ").first.map(String.init) }
        })
        #expect(subcommands.count > 20, "\(help.stdout)")
        #expect(Set(subcommands) == named, "only in --help: \(Set(subcommands).subtracting(named)); only in the README: \(named.subtracting(subcommands))")
        let statuses = try Self.section(of: client, after: "| status | meaning |\n|---|---|\n", before: "\n\n")
            .split(separator: "\n").compactMap { $0.split(separator: "|").first.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        let exitHelp = try Self.section(of: help.stdout, after: "EXIT STATUS\n", before: "\n\n")
            .split(separator: "\n").compactMap { line -> Int? in
                let words = line.split(separator: " ")
                return line.hasPrefix("  ") && !line.hasPrefix("   ") ? words.first.flatMap { Int($0) } : nil
            }
        #expect(statuses == [0, 1, 2, 3, 4, 5] && exitHelp == statuses, "README \(statuses), --help \(exitHelp)")
    }

    @Test func evidenceExampleVerifiesWithTheReadmesKeysAndPrintsWhatItShows() async throws {
        let text = try Self.readme()
        let proof = try Self.section(of: text, after: "$ cat 911522010783762860.tlog-proof\n", before: "\n$ qcredit verify-proof")
        let command = try Self.section(of: text, after: "$ qcredit verify-proof 911522010783762860.tlog-proof --vkey '", before: "\n```")
        let vkey = String(try #require(command.split(separator: "'").first))
        let shown = String(command.drop(while: { $0 != "\n" }).dropFirst()) + "\n"
        let keygen = try Self.section(of: text, after: "sm2: /etc/qcredit/keys/sm2.pem", before: "\n  …")
        let sm2Key = String(try #require(keygen.components(separatedBy: "verifier key: ").last))

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-readme-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("example.tlog-proof").path
        try proof.write(toFile: file, atomically: true, encoding: .utf8)

        let qcredit = DaemonProcess.product("qcredit")
        let verified = try await runCommand(qcredit, ["verify-proof", file, "--vkey", vkey])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout == shown)
        let bySM2 = try await runCommand(qcredit, ["verify-proof", file, "--vkey", sm2Key])
        #expect(bySM2.status == 0, "\(bySM2.stderr)")
        #expect(bySM2.stdout.contains("Signed by   \(sm2Key.split(separator: "+").prefix(2).joined(separator: "+"))"), "\(bySM2.stdout)")
    }

    /// `verify-proof`'s exit statuses as the README gives them, on the README's own evidence file:
    /// 2 for a file it cannot read or a `--vkey` that is no verifier key, 4 for every check that
    /// fails, each saying which.
    @Test func verifyProofTellsUnreadableInputFromFailedChecks() async throws {
        let text = try Self.readme()
        let proof = try Self.section(of: text, after: "$ cat 911522010783762860.tlog-proof\n", before: "\n$ qcredit verify-proof")
        let command = try Self.section(of: text, after: "$ qcredit verify-proof 911522010783762860.tlog-proof --vkey '", before: "\n```")
        let vkey = String(try #require(command.split(separator: "'").first))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-readme-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let qcredit = DaemonProcess.product("qcredit")
        let verify = { (contents: String, vkey: String) async throws -> CommandResult in
            let file = directory.appendingPathComponent("\(UUID().uuidString).tlog-proof").path
            try contents.write(toFile: file, atomically: true, encoding: .utf8)
            return try await runCommand(qcredit, ["verify-proof", file, "--vkey", vkey])
        }
        #expect(try await verify(proof, vkey).status == 0)

        let missing = try await runCommand(qcredit, ["verify-proof", directory.appendingPathComponent("none").path, "--vkey", vkey])
        #expect(missing.status == 2, "\(missing.stderr)")
        let badKey = try await verify(proof, "not-a-verifier-key")
        #expect(badKey.status == 2, "\(badKey.stderr)")

        // Another log's key, made now: a well-formed key that did not sign.
        let keygen = try await runCommand(qcredit, ["keygen", "--name", "other.example", "--dir", directory.appendingPathComponent("keys").path])
        let otherKey = try #require(keygen.stdout.components(separatedBy: "verifier key: ").dropFirst().first?.split(separator: "\n").first)
        let untrusted = try await verify(proof, String(otherKey))
        #expect(untrusted.status == 4 && untrusted.stderr.contains("verification failed"), "\(untrusted.stderr)")

        let extra = try #require(proof.split(separator: "\n").first { $0.hasPrefix("extra ") })
        let bytes = try #require(Data(base64Encoded: String(extra.dropFirst(6))))
        let withExtra = { (bytes: Data) in proof.replacingOccurrences(of: String(extra), with: "extra " + bytes.base64EncodedString()) }
        let short = try await verify(withExtra(bytes.prefix(31)), vkey)
        #expect(short.status == 4 && short.stderr.contains("is 31 bytes: too short for an opening"), "\(short.stderr)")
        var salted = bytes
        salted[salted.startIndex] ^= 1
        let altered = try await verify(withExtra(salted), vkey)
        #expect(altered.status == 4 && altered.stderr.contains("the salt or record in extra"), "\(altered.stderr)")
    }
}
