import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress of a long file command on stderr: a bar redrawn in place, with rate and ETA, when
/// stderr is a terminal; otherwise a plain line every five seconds and one at the end (for
/// logs: the first after five seconds, when the rate means something).
final class Progress {
    var total: Int
    let unit: String
    private let started = Date()
    private let terminal = isatty(STDERR_FILENO) == 1
    private lazy var lastShown = terminal ? Date.distantPast : started
    private(set) var done = 0

    /// Nothing is shown: `--json` with stderr not a terminal, where stderr carries one JSON
    /// object (the summary or the error) for the script reading it.
    private let silent: Bool

    init(total: Int, unit: String, json: Bool = false) {
        self.total = total
        self.unit = unit
        silent = json && !terminal
    }

    var elapsed: TimeInterval { Date().timeIntervalSince(started) }

    /// Rows per second so far.
    var rate: Double { elapsed > 0 ? Double(done) / elapsed : 0 }

    func advance(by count: Int) {
        done += count
        let now = Date()
        guard now.timeIntervalSince(lastShown) >= (terminal ? 0.1 : 5) else { return }
        lastShown = now
        show()
    }

    /// Draws the final state (on a terminal, ends the bar's line). `stopped`: the run ended
    /// before the end of its input (a signal, an error), which the line says instead of a time
    /// left, below 100 % whatever part of the estimate was done.
    func finish(stopped: Bool = false) {
        show(stopped: stopped)
        if terminal && !silent { Console.emit("\n", to: STDERR_FILENO) }
    }

    private func show(stopped: Bool = false) {
        guard !silent else { return }
        var fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        if stopped { fraction = min(fraction, 0.99) }
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let figures = "\(done)/\(total) \(unit)  \(Int(rate)) \(unit)/s  " + (stopped ? "stopped" : "ETA \(Self.duration(eta))")
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
