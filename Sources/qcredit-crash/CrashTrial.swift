import Foundation
import Glibc
import Varlink
import VarlinkNIO

/// One trial: a fresh state directory, then `kills` rounds of: start qcreditd, eight clients
/// write, kill -9 at a moment drawn from the seed, restart, check everything acknowledged.
/// The seed fixes the kill moments and each client's sequence of writes; how the clients'
/// calls interleave is up to the scheduler.
struct CrashTrial {
    let seed: UInt64
    let kills: Int
    let qcreditd: String
    let qcredit: String
    let clients = 8

    struct Outcome {
        var directory: String
        var killMoments: [Duration] = []
        var acknowledgedWrites = 0
        var logSize: Int64 = 0
        var exports = 0
        var unfinishedExports = 0
        /// Empty when the trial passed.
        var problems: [String] = []
        var daemonLog = ""
        var passed: Bool { problems.isEmpty }
    }

    /// What a trial carries from one kill to the next.
    private struct Progress {
        /// The log's verifier keys, learned at the first restart.
        var verifierKeys: [String] = []
        var verifiedExports: Set<String> = []
        var unfinishedExports: Set<String> = []
        var logSize: Int64 = 0
    }

    func run() async -> Outcome {
        var template = Array("/tmp/qcredit-crash-\(seed)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            return Outcome(directory: "/tmp", problems: ["mkdtemp: \(String(cString: strerror(errno)))"])
        }
        let directory = String(cString: made)
        chmod(directory, 0o755)
        var outcome = Outcome(directory: directory)
        let daemon = DaemonUnderTest(executable: qcreditd, directory: directory)
        let ledger = Ledger(clients: clients)
        var progress = Progress()
        do {
            for round in 1...kills {
                var random = SeededGenerator(seed: seed, stream: UInt64(round))
                // Some kills land while the daemon starts (on the first run: keys, schema, policy record).
                let killAfter: Duration =
                    random.chance(0.2)
                    ? .milliseconds(Int.random(in: 0..<60, using: &random)) : .milliseconds(Int.random(in: 200..<2500, using: &random))
                outcome.killMoments.append(killAfter)
                outcome.problems = try await killAndCheck(round: round, after: killAfter, daemon: daemon, ledger: ledger, progress: &progress)
                if !outcome.problems.isEmpty { break }
            }
        } catch {
            outcome.problems.append("the harness could not go on: \(error)")
        }
        await daemon.stop()
        outcome.acknowledgedWrites = ledger.read { $0.acknowledgedWrites }
        outcome.logSize = progress.logSize
        outcome.exports = progress.verifiedExports.count
        outcome.unfinishedExports = progress.unfinishedExports.count
        outcome.daemonLog = daemon.logTail()
        return outcome
    }

    /// One round: start, write, kill -9 `killAfter` after the start, restart, check. Returns the
    /// problems found; the daemon is left stopped.
    private func killAndCheck(
        round: Int, after killAfter: Duration, daemon: DaemonUnderTest, ledger: Ledger, progress: inout Progress
    ) async throws -> [String] {
        try daemon.start(note: "kill \(round) of \(kills): writing, kill -9 after \(killAfter)")
        await write(round: round, daemon: daemon, ledger: ledger, killAfter: killAfter)
        if let note = try? String(contentsOfFile: daemon.checkpointFile, encoding: .utf8) {
            ledger.saw(checkpoint: note, source: "the checkpoint file after kill \(round)")
        }

        try daemon.start(note: "kill \(round) of \(kills): restart and check")
        do {
            try await daemon.waitUntilServing()
        } catch {
            return ["qcreditd did not restart after kill \(round): \(error)"]
        }
        let connection = try await VarlinkClient.connect(socketPath: daemon.socketPath)
        if progress.verifierKeys.isEmpty {
            if let seen = ledger.read(\.verifierKeys) {
                progress.verifierKeys = seen
            } else {
                // Killed before it served on its first run: nothing was signed or acknowledged
                // yet, so the keys it has now are the log's.
                progress.verifierKeys = try await RestartCheck.verifierKeys(connection)
            }
        }
        var check = RestartCheck(
            daemon: daemon, ledger: ledger, qcredit: qcredit, verifierKeys: progress.verifierKeys, verifiedExports: progress.verifiedExports)
        let problems = ledger.read { $0.problems } + (try await check.run(connection: connection))
        progress.verifiedExports = check.verifiedExports
        progress.unfinishedExports.formUnion(check.unfinishedExports)
        progress.logSize = try await connection.call("org.qcredit.operator.GetStatus")["logSize"]?.intValue ?? 0
        await connection.close()
        guard problems.isEmpty else { return ["after kill \(round) (at \(killAfter)):"] + problems }

        if round < kills {
            guard await daemon.stop() else {
                return ["qcreditd ended by itself (status \(daemon.exitStatus ?? -1)) during the check after kill \(round)"]
            }
        } else {
            // After all the kills it still stops cleanly.
            await daemon.stop(with: SIGTERM)
            if daemon.exitStatus != 0 { return ["qcreditd exited \(daemon.exitStatus ?? -1) on SIGTERM after the last check"] }
        }
        return []
    }

    /// Runs the clients and a checkpoint watcher until the daemon is killed `killAfter` after its start.
    private func write(round: Int, daemon: DaemonUnderTest, ledger: Ledger, killAfter: Duration) async {
        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                let random = SeededGenerator(seed: seed, stream: UInt64(round * 100 + client + 1))
                group.addTask {
                    guard let connection = await Self.connect(to: daemon) else { return }
                    var writer = Writer(owner: client, connection: connection, ledger: ledger, random: random)
                    if await writer.run(), !daemon.signalled {
                        ledger.problem("client \(client): qcreditd closed the connection before it was killed")
                    }
                    await connection.close()
                }
            }
            group.addTask {
                guard let connection = await Self.connect(to: daemon) else { return }
                await Self.watchCheckpoints(connection, ledger: ledger)
                await connection.close()
            }
            try? await Task.sleep(until: started + killAfter)
            if !(await daemon.stop()) {
                ledger.problem("qcreditd ended by itself (status \(daemon.exitStatus ?? -1)) before kill \(round)")
            }
            await group.waitForAll()
        }
    }

    /// A connection once the daemon accepts them, or nil if it is killed first.
    private static func connect(to daemon: DaemonUnderTest) async -> VarlinkClient? {
        while daemon.isRunning {
            if let connection = try? await VarlinkClient.connect(socketPath: daemon.socketPath) { return connection }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Notes every signed checkpoint the daemon shows, ten times a second.
    private static func watchCheckpoints(_ connection: VarlinkClient, ledger: Ledger) async {
        // The keys before any kill (the first run makes them before it serves), so that the
        // first restart's are compared with them, not with themselves.
        if ledger.read({ $0.verifierKeys == nil }), let keys = try? await RestartCheck.verifierKeys(connection) {
            ledger.saw(verifierKeys: keys)
        }
        while true {
            do {
                let note = try await connection.call("org.qcredit.audit.GetCheckpoint")["checkpoint"]?.stringValue ?? ""
                ledger.saw(checkpoint: note, source: "GetCheckpoint")
            } catch let error as VarlinkError where error.name.hasSuffix(".NoCheckpoint") {
            } catch {
                return
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
