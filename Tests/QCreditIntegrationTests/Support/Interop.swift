import Foundation
import Testing

/// The third-party clients and verifiers the interop tests run. `Scripts/test` installs them
/// into a virtual environment and exports `QCREDIT_PYTHON`; it also sets
/// `QCREDIT_REQUIRE_INTEROP=1`, so in CI a missing tool fails the test instead of skipping it.
enum Interop {
    static var python: String? {
        let environment = ProcessInfo.processInfo.environment
        if let python = environment["QCREDIT_PYTHON"], FileManager.default.isExecutableFile(atPath: python) { return python }
        return nil
    }

    static var required: Bool { ProcessInfo.processInfo.environment["QCREDIT_REQUIRE_INTEROP"] == "1" }

    /// The folder holding the interop scripts, found relative to this file.
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop")

    /// Whether the interop tests can run here. When not, the test never passes: it fails when
    /// the tools are required (as under `Scripts/test`) and is skipped (cancelled) otherwise.
    static func available() throws -> Bool {
        if python != nil { return true }
        if required {
            Issue.record("QCREDIT_PYTHON is not set or not executable: run Scripts/test")
            return false
        }
        try Test.cancel("skipped: QCREDIT_PYTHON is not set (Scripts/test sets it)")
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs only when the interop tools are installed (always, under Scripts/test).
    static var interop: Self {
        .enabled(if: Interop.python != nil || Interop.required, "interop tools not installed: run Scripts/test")
    }
}
