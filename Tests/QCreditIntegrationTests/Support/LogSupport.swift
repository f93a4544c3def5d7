import CanonicalJSON
import Foundation
import Testing
import Varlink

/// Helpers for tests of the verifiable log against a running daemon.
extension DaemonProcess {
    /// A config that checkpoints every second (so tests need not wait long) and grants the
    /// test user every role.
    static var logConfig: String {
        """
        socketMode = "0666"
        [log]
        origin = "qcredit.test/registry"
        checkpointIntervalSeconds = 1
        [roles]
        regulator = ["uid:\(getuid())"]
        bank = ["uid:\(getuid())"]
        auditor = ["uid:\(getuid())"]
        operator = ["uid:\(getuid())"]
        """
    }

    /// Waits until the newest signed checkpoint covers the whole log, and returns its reply.
    func waitForCheckpoint(ofSize size: Int64, seconds: Double = 20) async throws -> [String: JSONValue] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            // The last call starts after the deadline: on a loaded machine one call can outlast
            // it, and a checkpoint signed meanwhile would be missed (a full run failed so).
            let expired = Date() >= deadline
            if let reply = try? await call("org.qcredit.audit.GetCheckpoint"), reply["size"]?.intValue == size { return reply }
            guard !expired else { throw DaemonFailed(log: "no checkpoint of size \(size)\n" + log) }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The log's size now: a proof request beyond the tree is refused with it.
    func logSize() async throws -> Int64 {
        do {
            _ = try await call("org.qcredit.audit.GetInclusionProof", ["index": 0, "treeSize": .int(Int64(Int32.max))])
        } catch let error as VarlinkError where error.name == "org.qcredit.audit.SizeBeyondTree" {
            return try #require(error.parameters["treeSize"]?.intValue)
        }
        throw DaemonFailed(log: "a proof for a tree of 2^31 records was not refused")
    }

    /// Waits for a checkpoint of the whole log as it stands now.
    func waitForCheckpointOfWholeLog() async throws -> [String: JSONValue] {
        try await waitForCheckpoint(ofSize: try await logSize())
    }

    /// The verifier key of the log's key of `type` (ed25519 or sm2), and its PEM public key.
    func verifierKey(_ type: String) async throws -> (verifierKey: String, pem: String) {
        let keys = try await call("org.qcredit.audit.GetVerifierKeys")["keys"]?.arrayValue ?? []
        let key = try #require(keys.first { $0["type"]?.stringValue == type })
        return (try #require(key["verifierKey"]?.stringValue), try #require(key["publicKeyPem"]?.stringValue))
    }

    /// Registers `count` enterprises with codes from `first` on, and publishes their grades.
    func seed(from first: Int, count: Int) async throws {
        for n in first..<(first + count) {
            _ = try await call("org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(n)), "name": .string("Log Co. \(n)")])
        }
        _ = try await call("org.qcredit.admin.PublishGrades")
    }

    func write(_ text: String, to name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// Decodes a base64 string from a reply.
func base64Bytes(_ value: JSONValue?) throws -> [UInt8] {
    [UInt8](try #require(value?.stringValue.flatMap { Data(base64Encoded: $0) }))
}
