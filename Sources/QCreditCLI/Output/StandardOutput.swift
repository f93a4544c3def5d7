import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What happens when standard output refuses a write: the command stops there, never going on
/// as if its results had been written. A full disk or a closed file (`> /dev/full`) is reported
/// (`cannot write standard output: …`, exit 2, as for any file a command cannot write); a reader
/// that went away (`| head -1`) ends the process by SIGPIPE, quietly, as a program that does not
/// ignore that signal ends (the shell sees 141). Either way a command that streams tells first
/// how to go on from what was written (`qcredit watch`: `resume with: … --since CURSOR`).
enum StandardOutput {
    /// Whether failures are reported as JSON (`--json`), as the command's other failures are.
    static let reportsJSON = Atomic<Bool>(false)
    /// A line for stderr that says how to go on from what was written, kept current by a
    /// command that streams.
    static let resumeHint = Mutex<String?>(nil)

    /// For a command that waits between lines (`qcredit watch`): once standard output is a
    /// pipe or a socket whose reader went away, ends the process as the next write would
    /// (``failed(_:)`` with EPIPE), without waiting for that write. `watch | head -1` went on
    /// until the next watched change, which may be days away (audit). A thread of its own waits
    /// in poll(2), which reports a pipe whose reader closed as POLLERR (asked for or not).
    static func endWhenTheReaderGoes() {
        var status = stat()
        guard fstat(STDOUT_FILENO, &status) == 0, [S_IFIFO, S_IFSOCK].contains(status.st_mode & S_IFMT) else { return }
        Thread {
            var entry = pollfd(fd: STDOUT_FILENO, events: 0, revents: 0)
            while poll(&entry, 1, -1) < 0 && errno == EINTR {}
            if Int32(entry.revents) & (POLLERR | POLLHUP) != 0 { failed(EPIPE) }
        }.start()
    }

    /// Ends the process for a write to standard output that failed with `error`.
    static func failed(_ error: Int32) -> Never {
        if let hint = resumeHint.withLock({ $0 }) { _ = Console.writeAll(hint + "\n", to: STDERR_FILENO) }
        if error == EPIPE { InterruptSignal.die(of: SIGPIPE) }
        Console(json: reportsJSON.load(ordering: .relaxed)).report(.badInput("cannot write standard output: \(systemErrorText(error))"))
        exit(ExitStatus.usage.rawValue)
    }
}
