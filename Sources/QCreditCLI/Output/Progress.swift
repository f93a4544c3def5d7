import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress of a long file command on stderr: a bar redrawn in place, with rate and ETA, when
/// stderr is a terminal; otherwise a plain line every five seconds and one at the end (for
/// logs: the first after five seconds, when the rate means something). With ``ticking()`` it
/// is shown on time even while nothing advances (the registry is slow to answer), so that a
/// log shows a slow run as alive.
final class Progress: Sendable {
    private struct State {
        var total: Int
        var done = 0
        var lastShown: Date
        var finished = false
    }

    let unit: String
    private let started = Date()
    private let terminal = isatty(STDERR_FILENO) == 1
    private let state: Mutex<State>

    /// Nothing is shown: `--json` with stderr not a terminal, where stderr carries one JSON
    /// object (the summary or the error) for the script reading it.
    private let silent: Bool

    init(total: Int, unit: String, json: Bool = false) {
        self.unit = unit
        silent = json && !terminal
        state = Mutex(State(total: total, lastShown: terminal ? .distantPast : started))
    }

    var total: Int {
        get { state.withLock { $0.total } }
        set { state.withLock { $0.total = newValue } }
    }

    var elapsed: TimeInterval { Date().timeIntervalSince(started) }

    /// Rows per second so far.
    var rate: Double { rate(done: state.withLock { $0.done }) }

    private func rate(done: Int) -> Double {
        let elapsed = elapsed
        return elapsed > 0 ? Double(done) / elapsed : 0
    }

    /// How long between two lines (or redraws of the bar).
    private var interval: TimeInterval { terminal ? 0.1 : 5 }

    func advance(by count: Int) {
        state.withLock { state in
            state.done += count
            showIfDue(&state)
        }
    }

    /// Shows the progress every second or so until the task is cancelled or ``finish(stopped:)``
    /// is called.
    func ticking() -> Task<Void, Never> {
        Task.detached { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                state.withLock { state in
                    guard !state.finished else { return }
                    showIfDue(&state)
                }
            }
        }
    }

    private func showIfDue(_ state: inout State) {
        let now = Date()
        guard now.timeIntervalSince(state.lastShown) >= interval else { return }
        state.lastShown = now
        show(state)
    }

    /// Draws the final state (on a terminal, ends the bar's line). `stopped`: the run ended
    /// before the end of its input (a signal, an error), which the line says instead of a time
    /// left, below 100 % whatever part of the estimate was done.
    func finish(stopped: Bool = false) {
        state.withLock { state in
            state.finished = true
            show(state, stopped: stopped)
        }
        if terminal && !silent { Console.emit("\n", to: STDERR_FILENO) }
    }

    private func show(_ state: State, stopped: Bool = false) {
        guard !silent else { return }
        let (total, done) = (state.total, state.done)
        var fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        if stopped { fraction = min(fraction, 0.99) }
        let rate = rate(done: done)
        // Nothing answered yet (under a row a second: a line read before the first batch came
        // back, which gave an ETA of days): no rate to tell the time left from.
        let eta = rate >= 1 || done >= total ? Self.duration(rate >= 1 ? Double(total - done) / rate : 0) : "unknown"
        let figures = "\(done)/\(total) \(unit)  \(Int(rate)) \(unit)/s  " + (stopped ? "stopped" : "ETA \(eta)")
        if terminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            Console.emit("\r[\(bar)] \(Int(fraction * 100))%  \(figures)\u{1B}[K", to: STDERR_FILENO)
        } else {
            Console.emit("progress: \(Int(fraction * 100))%  \(figures)\n", to: STDERR_FILENO)
        }
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 60 ? "\(whole / 60)m\(String(format: "%02d", whole % 60))s" : "\(whole)s"
    }
}
