import CanonicalJSON
import Foundation
import Testing

/// The daemon as Go's varlink library (github.com/varlink/go, Debian's
/// golang-github-varlink-go-dev) sees it: its IDL parser reads every interface file the daemon
/// serves, and its client calls, streams and gets typed errors on the wire.
@Suite(.goProgram(.varlinkgo)) struct VarlinkGoInteropTests {
    @Test func goVarlinkClientParsesEveryInterfaceAndCallsTheDaemon() async throws {
        guard try GoProgram.varlinkgo.available() else { return }
        let daemon = try await DaemonProcess()
        let code = CLIHarness.cement
        let unknown = CLIHarness.unregistered
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "贵州示例水泥有限公司"])
        _ = try await daemon.call(
            "org.qcredit.admin.RecordEvent",
            [
                "code": .string(code), "dimension": "product", "kind": "spot-check-failed", "severity": "medium",
                "occurredOn": .string(CLIHarness.date(daysAgo: 30)), "authority": "黔南州市场监督管理局",
                "documentNumber": "黔南市监抽〔2026〕3号", "summary": "水泥抗压强度不合格",
            ])
        let published = try await daemon.call("org.qcredit.admin.PublishGrades", ["codes": [.string(code)]])
        // Published now, or a moment earlier by the daemon itself (a file with a new event is
        // regraded once writes have been quiet for a second): either way it is published once.
        #expect((published["published"]?.intValue ?? 0) + (published["unchanged"]?.intValue ?? 0) == 1, "\(published)")
        // The grade as our own client reads it; the Go client must read the same.
        let reply = try await daemon.call("org.qcredit.query.GetGrade", ["code": .string(code)])
        let grade = try #require(reply["grade"]?["grade"]?.stringValue)

        let result = try await GoProgram.varlinkgo.run(["unix:" + daemon.socketPath, code, unknown])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)\n--- daemon log ---\n\(daemon.log)")
        let interfaces = ["org.varlink.service", "org.qcredit.query", "org.qcredit.admin", "org.qcredit.audit", "org.qcredit.operator"]
        for interface in interfaces {
            #expect(result.stdout.contains("interface \(interface) parses"), "\(result.stdout)")
        }
        #expect(result.lines.contains("GetGrade \(code): grade \(grade), basis computed"), "\(result.stdout)")
        // One reply per code, the USCC and its organization code, both about the same file.
        let streamed = "GetGrades \(code) \(CLIHarness.cementOrgCode): 2 replies, grades \(grade) \(grade)"
        #expect(result.lines.contains(streamed), "\(result.stdout)")
        #expect(result.lines.contains("GetGrade \(unknown): error org.qcredit.query.NotFound, code \(unknown)"), "\(result.stdout)")
        #expect(result.lines.last == "all checks passed")
    }
}
