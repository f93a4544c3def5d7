import CanonicalJSON
import Foundation
import Glibc
import Testing

/// A peer that holds no role cannot exhaust the daemon: it gets few connections (a cap per
/// uid) and may send little before a NUL (a small message limit), so its flood neither grows
/// the daemon's memory nor keeps a regulator out.
@Suite struct RolelessFloodTests {
    static let config = """
        socketMode = "0666"
        [roles]
        regulator = ["uid:\(getuid())"]
        """

    /// The stated bound: the daemon's peak resident memory grows by less than this.
    static let rssGrowthBound = 32 << 20

    /// A daemon that has made one write, and its memory once that has settled.
    static func daemonAtRest() async throws -> (DaemonProcess, (resident: Int, peak: Int)) {
        let daemon = try await DaemonProcess(config: config)
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(0)), "name": "Before Co."])
        try await Task.sleep(for: .milliseconds(200))
        return (daemon, try daemon.memory())
    }

    @Test func twoHundredFiftySixUnterminatedEightMiBMessagesFromNobody() async throws {
        guard let nobody = try await SecondUser.nobody else { return }
        let (daemon, before) = try await Self.daemonAtRest()

        let start = ContinuousClock.now
        let go = daemon.directory.appendingPathComponent("flood").path
        let flood = try nobody.start(["/usr/bin/python3", "-c", Self.flooder, daemon.socketPath, go], output: daemon.directory)
        defer { flood.signal(SIGKILL) }
        // nobody holds all the idle connections it may; a regulator still connects and writes.
        let idle = try await flood.waitForLine(containing: "idle", seconds: 120)
        let held = try #require(idle.split(separator: " ").dropLast().last.flatMap { Int($0) }, "\(idle)")
        #expect(held == 64, "\(idle)")
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(1)), "name": "Held Co."])

        // Then the flood, with a regulator writing one call after another all through it.
        #expect(FileManager.default.createFile(atPath: go, contents: nil))
        let flooding = Mutexed(true)
        let regulator = Task {
            var written = 1
            while flooding.get() {
                written += 1
                let code = DurabilityTests.uscc(written)
                _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "During Co."])
                try await Task.sleep(for: .milliseconds(20))
            }
            return written
        }
        let flooded = try await flood.waitForLine(containing: "flooded", seconds: 120)
        flooding.set(false)
        let writes = await regulator.result
        let after = try daemon.memory()
        #expect((try? writes.get()) ?? 0 > 1, "the regulator's writes: \(writes)")
        #expect(
            after.peak - before.resident < Self.rssGrowthBound,
            "VmRSS \(before.resident >> 10) KiB before, VmHWM \(after.peak >> 10) KiB after")
        print(
            "RolelessFloodTests: VmRSS \(before.resident >> 10) KiB before the flood, VmHWM \(after.peak >> 10) KiB after "
                + "(+\((after.peak - before.resident) >> 10) KiB); \(flooded)")
        // No connection could hold its 8 MiB: each was refused or closed at its small limit.
        #expect(flooded == "flooded 256: 256 closed by the daemon, 0 held")

        // Refusals were logged, at most about once a second per kind.
        let log = daemon.log
        let seconds = Int((ContinuousClock.now - start).components.seconds)
        let tooLarge = log.components(separatedBy: "message too large").count - 1
        #expect(tooLarge >= 1 && tooLarge <= 2 + seconds, "\(tooLarge) lines in \(seconds) s")
        let capped = log.components(separatedBy: "connection limit per user reached").count - 1
        #expect(capped >= 1 && capped <= 2 + seconds, "\(capped) lines in \(seconds) s")
    }

    /// Calls the daemon answers from memory (GetInfo needs no role) sent back to back by a peer
    /// that never reads: its replies must not pile up in the daemon.
    @Test func sixtyFourConnectionsFromNobodyCallingWithoutReadingTheirReplies() async throws {
        guard let nobody = try await SecondUser.nobody else { return }
        let (daemon, before) = try await Self.daemonAtRest()

        let (calls, sent) = try await Self.floodWithUnreadCalls(
            #"{"method":"org.varlink.service.GetInfo"}"#, connections: 64, from: nobody, to: daemon, restingAt: before)
        // The peer sent far more than the bound's worth of calls: what held it back was the daemon.
        #expect(calls > 20_000, "\(sent)")
    }

    /// Point reads a bank pipelines on 20 connections without reading a reply: answered on the
    /// accept loop until the socket is full, then handed to NIO with replies unsent. The
    /// serving task's writer must know the channel is not writable from the start: it did not,
    /// and an audit saw the daemon take in every call and grow by 11 MiB a second at 1.6 CPUs.
    @Test func twentyConnectionsOfABankPipeliningPointReadsWithoutReadingTheirReplies() async throws {
        guard let nobody = try await SecondUser.nobody else { return }
        let daemon = try await DaemonProcess(config: Self.config + "\nbank = [\"user:nobody\"]\n")
        let code = DurabilityTests.uscc(0)
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "Read Co."])
        _ = try await daemon.call("org.qcredit.admin.PublishGrades", ["codes": [.string(code)]])
        try await Task.sleep(for: .milliseconds(200))
        let before = try daemon.memory()

        let (calls, sent) = try await Self.floodWithUnreadCalls(
            #"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"\#(code)"}}"#, connections: 20, from: nobody, to: daemon,
            restingAt: before)
        // Held back by the daemon: what 20 connections' socket buffers and one read each hold,
        // not the 8 s of calls the peer would send (hundreds of thousands).
        #expect(calls < 200_000, "\(sent)")
        _ = await daemon.stop()
    }

    /// Four uids without a role, each holding all the connections its per-uid cap allows (256
    /// together, the overall limit), share `maxConnectionsWithoutRole` (64 by default): a
    /// regulator and a bank still connect, each on a new connection, and are answered.
    @Test func fourUidsWithoutARoleCannotTakeThePlacesOfThoseWithOne() async throws {
        guard let nobody = try await SecondUser.nobody else { return }
        let strangers = [nobody] + (61001...61003).map { SecondUser(name: "uid\($0)", uid: uid_t($0), gid: gid_t($0)) }
        let bank = SecondUser(name: "uid61005", uid: 61005, gid: 61005)
        let daemon = try await DaemonProcess(config: Self.config + "\nbank = [\"uid:\(bank.uid)\"]\n")
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(0)), "name": "Before Co."])
        var holders: [TestProcess] = []
        defer { for holder in holders { holder.signal(SIGKILL) } }
        var held = 0
        for stranger in strangers {
            let holder = try stranger.start(["/usr/bin/python3", "-c", Self.holder, daemon.socketPath], output: daemon.directory)
            holders.append(holder)
            let line = try await holder.waitForLine(containing: "held", seconds: 60)
            held += try #require(line.split(separator: " ").last.flatMap { Int($0) }, "\(line)")
        }
        #expect(held == 64, "the uids without a role hold \(held) connections")
        #expect(daemon.log.contains("connection limit for peers without a role reached"), "\(daemon.log)")
        // A regulator's new connection, and a bank's.
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(1)), "name": "During Co."])
        let asking = try bank.start(["/usr/bin/python3", "-c", Self.asker, daemon.socketPath, DurabilityTests.uscc(1)], output: daemon.directory)
        defer { asking.signal(SIGKILL) }
        let answer = try await asking.waitForLine(containing: "reply", seconds: 60)
        #expect(answer.contains("During Co."), "\(answer)")
    }

    /// Opens 64 connections, and after 1.5 s prints how many the daemon left open (`held N`);
    /// then holds them.
    static let holder = #"""
        import select, socket, sys, time
        conns = []
        for _ in range(64):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1])
            conns.append(s)
        time.sleep(1.5)
        readable, _, _ = select.select(conns, [], [], 0)
        closed = sum(1 for s in readable if s.recv(1) == b"")
        print(f"held {len(conns) - closed}", flush=True)
        time.sleep(300)
        """#

    /// Asks GetFile for a code on a new connection and prints the reply.
    static let asker = #"""
        import socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[1])
        s.sendall(b'{"method":"org.qcredit.query.GetFile","parameters":{"code":"' + sys.argv[2].encode() + b'"}}\0')
        data = b""
        while not data.endswith(b"\0"):
            chunk = s.recv(65536)
            if not chunk: break
            data += chunk
        print("reply " + data.decode(), flush=True)
        """#

    /// `peer` sends `call` on `connections` connections for 8 s without reading a reply
    /// (``unreadCalls``); meanwhile a regulator's write goes through, and the daemon's peak
    /// memory stays within ``rssGrowthBound`` of `before`. Returns how many calls the peer got
    /// to send, and its line saying so.
    static func floodWithUnreadCalls(
        _ call: String, connections: Int, from peer: SecondUser, to daemon: DaemonProcess, restingAt before: (resident: Int, peak: Int)
    ) async throws -> (calls: Int, sent: String) {
        let flood = try peer.start(
            ["/usr/bin/python3", "-c", unreadCalls, daemon.socketPath, call, String(connections)], output: daemon.directory)
        defer { flood.signal(SIGKILL) }
        let sent = try await flood.waitForLine(containing: "sent", seconds: 120)
        // The daemon answered meanwhile: a regulator's write goes through.
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(1)), "name": "During Co."])
        let after = try daemon.memory()
        let memory = "VmRSS \(before.resident >> 10) KiB before, VmHWM \(after.peak >> 10) KiB after; \(sent)"
        print("RolelessFloodTests: \(call.prefix(40))…: \(memory)")
        #expect(after.peak - before.resident < rssGrowthBound, "\(memory)")
        return (try #require(sent.split(separator: " ").dropFirst().first.flatMap { Int($0) }, "\(sent)"), sent)
    }

    /// Opens N connections (argv[3]) and, for 8 s, writes the call argv[2] to each as fast as
    /// the socket takes it without reading a reply; prints `sent N calls`, then holds the
    /// connections.
    static let unreadCalls = #"""
        import select, socket, sys, time
        path = sys.argv[1]
        call = sys.argv[2].encode() + b'\0'
        chunk = call * 1000
        conns = []
        for _ in range(int(sys.argv[3])):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            s.setblocking(False)
            conns.append(s)
        sent, deadline = 0, time.time() + 8
        pending = {s: memoryview(chunk) for s in conns}
        while time.time() < deadline and pending:
            _, writable, _ = select.select([], list(pending), [], 0.2)
            for s in writable:
                try:
                    n = s.send(pending[s])
                except OSError:
                    del pending[s]
                    continue
                sent += n
                rest = pending[s][n:]
                pending[s] = rest if len(rest) else memoryview(chunk)
        print(f"sent {sent // len(call)} calls on {len(pending)} open connections", flush=True)
        time.sleep(300)
        """#

    /// Opens 100 connections that send nothing and reports how many the daemon closed once
    /// none has closed for 3 s; when the go file appears, closes them, opens 256 connections
    /// at once, each sending 8 MiB without a NUL, and reports how many the daemon closed. Then
    /// it holds what it has until it is killed.
    static let flooder = #"""
        import os, select, socket, sys, threading, time
        path, go = sys.argv[1], sys.argv[2]

        idle = []
        for _ in range(100):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            idle.append(s)
        still_open, quiet_since = set(idle), time.time()
        while still_open and time.time() - quiet_since < 3:
            readable, _, _ = select.select(list(still_open), [], [], 0.2)
            for s in readable:
                if s.recv(1) == b"":
                    still_open.discard(s)
                    quiet_since = time.time()
        print(f"idle 100: {100 - len(still_open)} closed by the daemon, {len(still_open)} held", flush=True)
        while not os.path.exists(go): time.sleep(0.02)
        for s in idle: s.close()

        payload = (b'{"method":"org.varlink.service.GetInfo","parameters":{"x":"' + b"x" * (8 << 20))[: 8 << 20]
        held, closed, lock = [], [0], threading.Lock()
        def flood():
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                s.sendall(payload)
            except OSError:
                s.close()
                with lock: closed[0] += 1
                return
            with lock: held.append(s)
        threads = [threading.Thread(target=flood) for _ in range(256)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(f"flooded {len(held) + closed[0]}: {closed[0]} closed by the daemon, {len(held)} held", flush=True)
        time.sleep(300)
        """#
}
