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

    /// The installed `varlink` Python package's directory.
    static let pythonPackageDirectory: String? = {
        guard let python else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import os, varlink; print(os.path.dirname(varlink.__file__))"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }()

    static var required: Bool { ProcessInfo.processInfo.environment["QCREDIT_REQUIRE_INTEROP"] == "1" }

    /// Whether `tool` is there; when it is not and the tools are required, records why.
    static func available(_ tool: String, _ present: Bool) -> Bool {
        if !present && required { Issue.record("\(tool) is not installed: run Scripts/test") }
        return present
    }
}
