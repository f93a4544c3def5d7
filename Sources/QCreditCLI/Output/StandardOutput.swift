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

    /// Ends the process for a write to standard output that failed with `error`.
    static func failed(_ error: Int32) -> Never {
        if let hint = resumeHint.withLock({ $0 }) { _ = Console.writeAll(hint + "\n", to: STDERR_FILENO) }
        if error == EPIPE { InterruptSignal.die(of: SIGPIPE) }
        Console(json: reportsJSON.load(ordering: .relaxed)).report(.badInput("cannot write standard output: \(systemErrorText(error))"))
        exit(ExitStatus.usage.rawValue)
    }
}
