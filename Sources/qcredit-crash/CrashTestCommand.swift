// qcredit-crash: kill -9 trials against the real qcreditd (Scripts/crash-test; README, "Crash testing").
import ArgumentParser
import Foundation

@main
struct CrashTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qcredit-crash",
        abstract: "Kill qcreditd with SIGKILL while eight clients write; after each restart, check that nothing acknowledged was lost.",
        discussion: """
            Each trial starts qcreditd (development mode) on a fresh directory under /tmp, kills it \
            --kills times at moments drawn from the trial's seed, and after each restart checks every \
            acknowledged write, the log's replay, the checkpoints and the export directories. Trial i \
            runs with seed + i, so one trial is re-run with --trials 1 --seed <its seed>. qcreditd and \
            qcredit are taken from the directory of this program.
            """)

    @Option(help: "How many trials to run.")
    var trials = 10

    @Option(help: "The first trial's seed (default: from the clock).")
    var seed: UInt64?

    @Option(help: "How many times each trial kills the daemon.")
    var kills = 3

    @Flag(help: "Keep the directory of a failing trial (state, daemon log) for inspection.")
    var keep = false

    func validate() throws {
        guard trials >= 1, kills >= 1 else { throw ValidationError("--trials and --kills must be at least 1") }
    }

    func run() async throws {
        DaemonUnderTest.stopWithTheHarness()
        let binaries = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path
        let firstSeed = seed ?? UInt64(Date().timeIntervalSince1970 * 1000) % 1_000_000_000
        Self.say("crash test: \(trials) trial(s) of \(kills) kill(s), seeds \(firstSeed)…\(firstSeed &+ UInt64(trials - 1))")
        let started = ContinuousClock.now
        var failed: [UInt64] = []
        var totals = Totals()
        for number in 1...trials {
            let trialSeed = firstSeed &+ UInt64(number - 1)
            let trialStarted = ContinuousClock.now
            let trial = CrashTrial(seed: trialSeed, kills: kills, qcreditd: binaries + "/qcreditd", qcredit: binaries + "/qcredit")
            let outcome = await trial.run()
            totals.add(outcome)
            let seconds = Self.seconds(since: trialStarted)
            let kills = outcome.killMoments.map { Self.format(Self.seconds($0)) + " s" }.joined(separator: ", ")
            let summary =
                "\(outcome.acknowledgedWrites) writes acknowledged, log \(outcome.logSize) records, \(outcome.exports) exports verified"
                + (outcome.unfinishedExports > 0 ? ", \(outcome.unfinishedExports) left unfinished by a kill" : "")
            if outcome.passed {
                Self.say("trial \(number)/\(trials) seed \(trialSeed): pass in \(Self.format(seconds)) s; killed at \(kills); \(summary)")
                try? FileManager.default.removeItem(atPath: outcome.directory)
                continue
            }
            failed.append(trialSeed)
            Self.say("trial \(number)/\(trials) seed \(trialSeed): FAIL in \(Self.format(seconds)) s; killed at \(kills); \(summary)")
            for problem in outcome.problems.prefix(12) { Self.say("  \(problem)") }
            if outcome.problems.count > 12 { Self.say("  … and \(outcome.problems.count - 12) more") }
            Self.say("  qcreditd's log ends:")
            for line in outcome.daemonLog.split(separator: "\n") { Self.say("    \(line)") }
            if keep {
                Self.say("  directory kept: \(outcome.directory)")
            } else {
                try? FileManager.default.removeItem(atPath: outcome.directory)
                Self.say("  directory \(outcome.directory) removed (--keep keeps it)")
            }
            Self.say("  re-run: Scripts/crash-test --trials 1 --seed \(trialSeed) --kills \(self.kills) --keep")
        }
        let total = "in \(Self.format(Self.seconds(since: started))) s: \(totals)"
        if failed.isEmpty {
            Self.say("crash test passed: \(trials) of \(trials) trials \(total)")
        } else {
            Self.say("crash test FAILED: \(failed.count) of \(trials) trials failed \(total); seeds \(failed.map(String.init).joined(separator: ", "))")
            throw ExitCode(1)
        }
    }

    /// What all the trials did together, for the summary.
    struct Totals: CustomStringConvertible {
        var kills = 0
        var killsAtStart = 0
        var acknowledgedWrites = 0
        var exports = 0
        var unfinishedExports = 0

        mutating func add(_ outcome: CrashTrial.Outcome) {
            kills += outcome.killMoments.count
            killsAtStart += outcome.killMoments.filter { $0 < .milliseconds(60) }.count
            acknowledgedWrites += outcome.acknowledgedWrites
            exports += outcome.exports
            unfinishedExports += outcome.unfinishedExports
        }

        var description: String {
            "\(kills) kills (\(killsAtStart) within 60 ms of a start), \(acknowledgedWrites) writes acknowledged, "
                + "\(exports) exports verified, \(unfinishedExports) left unfinished by a kill"
        }
    }

    /// Writes one line at once, unbuffered: each trial's line appears as the trial ends, also in a CI log.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double { seconds(ContinuousClock.now - start) }

    static func format(_ seconds: Double) -> String { String(format: "%.2f", seconds) }
}
