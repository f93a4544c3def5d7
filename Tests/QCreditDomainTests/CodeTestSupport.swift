import Foundation
import QCreditDomain

/// The fixture files, found relative to this source file so the tests pass on a fresh clone
/// whatever the working directory (the test target excludes `Fixtures/` from its sources).
enum CodeFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures", isDirectory: true)

    /// The 180 published USCCs of `Fixtures/uscc-valid.txt`, one per line.
    static func publishedUSCCs() throws -> [String] {
        let url = directory.appendingPathComponent("uscc-valid.txt")
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}

/// Helpers for the code tests, in a namespace so they cannot clash with other test files
/// of the module.
enum CodeCheck {
    /// The error validating `input` throws, or `nil` if it is accepted.
    static func error(_ input: String, as kind: CodeKind? = nil) -> CodeError? {
        do {
            _ = try EnterpriseCode(validating: input, as: kind)
            return nil
        } catch {
            return error
        }
    }

    /// A USCC with a correct own check character, built from its first 17 characters.
    static func usccCompleting(_ first17: String) -> String {
        first17 + String(USCC.checkCharacter(forFirst17: first17)!)
    }
}
