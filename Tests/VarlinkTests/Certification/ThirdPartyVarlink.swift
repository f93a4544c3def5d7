import Foundation
import Testing

/// The third-party varlink implementations the certification runs against: Debian's
/// `varlink-go-certification` and the Python `varlink` package in the interop virtual
/// environment (`QCREDIT_PYTHON`, set by `Scripts/test`). With `QCREDIT_REQUIRE_INTEROP=1`
/// (also set by `Scripts/test`) a missing one fails its test instead of skipping it.
enum ThirdPartyVarlink {
    static let goCertification = "/usr/bin/varlink-go-certification"

    static var python: String? {
        guard let python = ProcessInfo.processInfo.environment["QCREDIT_PYTHON"],
            FileManager.default.isExecutableFile(atPath: python)
        else { return nil }
        return python
    }

    /// The `varlink` Python package's directory in the virtual environment `QCREDIT_PYTHON`
    /// belongs to (`<venv>/lib/python3.X/site-packages/varlink`), found without running Python.
    static var pythonPackageDirectory: String? {
        guard let python else { return nil }
        let lib = URL(fileURLWithPath: python).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("lib").path
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []
        return versions.map { "\(lib)/\($0)/site-packages/varlink" }.first { FileManager.default.fileExists(atPath: $0) }
    }

    static var required: Bool { ProcessInfo.processInfo.environment["QCREDIT_REQUIRE_INTEROP"] == "1" }

    /// Whether `tool` is there. When it is not, the test never passes: it fails when the tools
    /// are required (as under `Scripts/test`) and is skipped (cancelled) otherwise.
    static func available(_ tool: String, _ present: Bool) throws -> Bool {
        guard !present else { return true }
        if required {
            Issue.record("\(tool) is not installed: run Scripts/test")
            return false
        }
        try Test.cancel("skipped: \(tool) is not installed (Scripts/test installs it)")
    }
}
