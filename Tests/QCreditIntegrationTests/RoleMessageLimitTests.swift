import Foundation
import Glibc
import Testing

/// README, *What the limits guarantee*: a connection's message limit follows its peer's roles.
/// A bank's message one byte over `maxMessageBytesReadOnly` (1 MiB, the NUL not counted) closes
/// its connection, one of exactly that size is answered; a regulator's 2 MiB message is answered, and one over
/// `maxMessageBytes` (8 MiB) closes its connection. Each peer really sends the bytes.
@Suite struct RoleMessageLimitTests {
    static let readOnlyLimit = 1 << 20
    static let writerLimit = 8 << 20

    @Test func eachRoleIsHeldToItsOwnMessageLimit() async throws {
        guard let nobody = try await SecondUser.nobody else { return }
        let daemon = try await DaemonProcess(config: """
            socketMode = "0666"
            [roles]
            regulator = ["uid:\(getuid())"]
            bank = ["uid:\(nobody.uid)"]
            """)
        let probe = daemon.directory.appendingPathComponent("probe.py").path
        try Self.probe.write(toFile: probe, atomically: true, encoding: .utf8)

        // The bank, as nobody: just over and just under its limit.
        let bank = try nobody.start(
            ["/usr/bin/python3", probe, daemon.socketPath, "\(Self.readOnlyLimit + 1)", "\(Self.readOnlyLimit)"],
            output: daemon.directory)
        defer { bank.signal(SIGKILL) }
        let bankOver = try await bank.waitForLine(containing: "size \(Self.readOnlyLimit + 1):")
        #expect(bankOver.hasSuffix("closed"), "\(bankOver)")
        let bankUnder = try await bank.waitForLine(containing: "size \(Self.readOnlyLimit):")
        #expect(bankUnder.contains("answered"), "\(bankUnder)")

        // The regulator, as this user: twice the bank's limit is answered, past its own is not.
        let regulator = try await runCommand(
            "/usr/bin/python3", [probe, daemon.socketPath, "\(2 * Self.readOnlyLimit)", "\(Self.writerLimit + 1)"])
        #expect(regulator.status == 0, "\(regulator.stderr)")
        #expect(regulator.stdout.contains("size \(2 * Self.readOnlyLimit): answered"), "\(regulator.stdout)")
        #expect(regulator.stdout.contains("size \(Self.writerLimit + 1): closed"), "\(regulator.stdout)")
        // And the daemon serves on.
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(0)), "name": "After Co."])
    }

    /// For each size given: one connection, one `GetGrade` call of exactly that many bytes
    /// before its NUL, then "answered" with the reply's error (or none) or "closed".
    static let probe = #"""
        import json, socket, sys
        path = sys.argv[1]
        for size in map(int, sys.argv[2:]):
            head, tail = b'{"method":"org.qcredit.query.GetGrade","parameters":{"code":"', b'"}}'
            message = head + b"A" * (size - len(head) - len(tail)) + tail + b"\0"
            assert len(message) == size + 1
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            reply = b""
            try:
                s.sendall(message)
                while not reply.endswith(b"\0"):
                    chunk = s.recv(65536)
                    if not chunk: break
                    reply += chunk
            except OSError:
                reply = b""
            s.close()
            if reply.endswith(b"\0"):
                print(f"size {size}: answered {json.loads(reply[:-1]).get('error')}", flush=True)
            else:
                print(f"size {size}: closed", flush=True)
        """#
}
