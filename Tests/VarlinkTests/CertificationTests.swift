import CanonicalJSON
import Foundation
import Testing
import Varlink
import VarlinkNIO

/// `org.varlink.certification`: other implementations' certification clients pass against our
/// server, and our client passes against another implementation's certification server.
@Suite struct CertificationTests {
    /// Our server with the certification interface, or nil (skipped) when no package ships it.
    private static func withCertificationServer(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        guard let interface = try CertificationInterface.load() else {
            _ = try ThirdPartyVarlink.available("org.varlink.certification.varlink (golang-github-varlink-go-dev)", false)
            return
        }
        let dispatcher = VarlinkDispatcher(
            info: CertificationInterface.info, interfaces: [interface], handler: CertificationHandler())
        try await TestServer.with(dispatcher: dispatcher) { server in
            try await body("unix:" + server.socketPath)
        }
    }

    @Test func ourParserReadsTheCertificationInterface() throws {
        guard let interface = try CertificationInterface.load() else {
            _ = try ThirdPartyVarlink.available("org.varlink.certification.varlink", false)
            return
        }
        #expect(interface.name == CertificationInterface.name)
        #expect(interface.methods.count == 13)
    }

    @Test func goCertificationClientPassesAgainstOurServer() async throws {
        let go = ThirdPartyVarlink.goCertification
        guard try ThirdPartyVarlink.available("varlink-go-certification (varlink-go)", FileManager.default.isExecutableFile(atPath: go))
        else { return }
        try await Self.withCertificationServer { address in
            let result = try await ExternalProgram.run(go, ["-client", "-varlink=" + address])
            #expect(result.status == 0, "\(result.output)")
            // The Go client prints a line per step and "End: 'true'" when the server said all_ok.
            #expect(result.output.contains("Test10() Send:"), "\(result.output)")
            #expect(result.output.contains("End: 'true'"), "\(result.output)")
            #expect(!result.output.contains("failed"), "\(result.output)")
        }
    }

    @Test func pythonCertificationClientPassesAgainstOurServer() async throws {
        guard try ThirdPartyVarlink.available("the Python varlink package (QCREDIT_PYTHON)", ThirdPartyVarlink.python != nil),
            let python = ThirdPartyVarlink.python
        else { return }
        try await Self.withCertificationServer { address in
            let result = try await ExternalProgram.run(
                python, ["-m", "varlink.tests.test_certification", "--client", "--varlink=" + address])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("End: {'all_ok': True}"), "\(result.output)")
            #expect(result.output.contains("Certification passed"), "\(result.output)")
        }
    }

    /// The Python certification server compares every message our client sends with the one it
    /// wants, byte for byte as JSON: no stray `more` or `oneway`, streamed and oneway calls flagged.
    @Test func ourClientPassesAgainstThePythonCertificationServer() async throws {
        guard try ThirdPartyVarlink.available("the Python varlink package (QCREDIT_PYTHON)", ThirdPartyVarlink.python != nil),
            let python = ThirdPartyVarlink.python
        else { return }
        let directory = TestServer.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/python.sock"
        let server = try ExternalProgram.start(
            python, ["-m", "varlink.tests.test_certification", "--varlink=unix:" + socketPath])
        do {
            try await waitUntil { FileManager.default.fileExists(atPath: socketPath) }
            let client = try await VarlinkClient.connect(socketPath: socketPath)
            let allOK = try await CertificationClient.run(client)
            await client.close()
            #expect(allOK, "\(server.output)")
        } catch {
            Issue.record("\(error)\n\(server.output)")
        }
        await server.stop()
    }
}
