import CanonicalJSON
import Foundation
import Glibc
import Testing

/// Peers that only read cannot take every connection place: a bank's feeds are never idle, and
/// an audit's four banks filled all 256 places so that no regulator could connect. A sixteenth
/// of `maxConnections` is kept for peers known to hold a role that writes.
@Suite struct KeptConnectionPlacesTests {
    @Test func aBankFillingEveryPlaceItMayLeavesTheKeptOnesToARegulator() async throws {
        guard let nobody = try await SecondUser.nobody else { return }
        let daemon = try await DaemonProcess(
            config: """
                socketMode = "0666"
                [limits]
                maxConnections = 32
                maxConnectionsPerUser = 32
                [roles]
                regulator = ["uid:\(getuid())"]
                bank = ["uid:\(nobody.uid)"]
                """)
        let holder = try nobody.start(["/usr/bin/python3", "-c", Self.holder, daemon.socketPath], output: daemon.directory)
        defer { holder.signal(SIGKILL) }
        let held = try await holder.waitForLine(containing: "held", seconds: 60)
        // 32 places, 2 of them kept: the bank holds 30 of its 40.
        #expect(held == "held 30 of 40", "\(held)")
        #expect(daemon.log.contains("connection limit reached but for the places kept for peers that write"), "\(daemon.log)")

        // Both kept places are a regulator's: two connections, each writes.
        let first = try await daemon.client()
        let second = try await daemon.client()
        for (n, client) in [first, second].enumerated() {
            let reply = try await client.call(
                "org.qcredit.admin.RegisterEnterprise", parameters: ["code": .string(DurabilityTests.uscc(n)), "name": "Kept Place Co."])
            #expect(reply["enterprise"] != nil, "\(reply)")
        }
        await first.close()
        await second.close()
        holder.signal(SIGKILL)
        await daemon.stop()
    }

    /// Opens 40 connections, each asking GetInfo (a bank's calls keep its connection open), and
    /// says how many the daemon kept once none has closed for two seconds.
    static let holder = #"""
        import select, socket, sys, time
        path = sys.argv[1]
        held = []
        for _ in range(40):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                s.sendall(b'{"method":"org.varlink.service.GetInfo"}\0')
            except OSError:
                s.close()  # refused at once
                continue
            held.append(s)
        still_open, quiet_since = set(held), time.time()
        while still_open and time.time() - quiet_since < 2:
            readable, _, _ = select.select(list(still_open), [], [], 0.2)
            for s in readable:
                try:
                    closed = s.recv(65536) == b""
                except OSError:
                    closed = True
                if closed:
                    still_open.discard(s)
                    quiet_since = time.time()
        print(f"held {len(still_open)} of 40", flush=True)
        time.sleep(300)
        """#
}
