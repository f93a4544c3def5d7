import Foundation

/// System calls of a daemon traced with `strace -f -yy` (each line: pid, call, the descriptor
/// with its path), read back in order to check what happened before what.
struct SyscallTrace {
    /// The launcher that traces the daemon's writes and syncs into `output`.
    static func launcher(output: String, alsoTracing more: [String] = []) -> [String] {
        let calls = ["pwrite64", "pwritev", "pwritev2", "write", "writev", "sendmsg", "sendto", "fsync", "fdatasync", "sync_file_range"] + more
        return ["/usr/bin/strace", "-f", "-qq", "-yy", "-s", "64", "-o", output, "-e", "trace=" + calls.joined(separator: ","), "--"]
    }

    let path: String

    init(path: String) { self.path = path }

    /// Every line traced so far, the last one perhaps still being written (strace buffers its
    /// output, so lines arrive late; their order is the order of the calls).
    func lines() -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// The calls traced so far, read again until `done` holds for them (strace writes its lines
    /// late) or `seconds` have passed.
    func calls(waitingUntil done: ([Call]) -> Bool, seconds: Double = 60) async throws -> [Call] {
        let deadline = Date().addingTimeInterval(seconds)
        var calls: [Call] = []
        repeat {
            calls = Self.calls(in: lines())
            if done(calls) { break }
            try await Task.sleep(for: .milliseconds(20))
        } while Date() < deadline
        return calls
    }

    /// One traced call: its line, and whether the line is where it completed (a line ending in
    /// `<unfinished ...>` is where it started; its `<... resumed>` line is where it completed).
    struct Call {
        var line: Int
        var pid: String
        var name: String
        /// The arguments as strace printed them (on the line where the call started).
        var arguments: String
        var completedOnLine: Int?
    }

    /// The calls in `lines`, in the order they started, with the line each completed on.
    static func calls(in lines: [String]) -> [Call] {
        var calls: [Call] = []
        var open: [String: Int] = [:]
        for (number, line) in lines.enumerated() {
            // strace pads the pid to five columns: "8101  write(…", "13292 write(…".
            guard let space = line.firstIndex(of: " ") else { continue }
            let pid = String(line[..<space])
            let rest = line[space...].drop { $0 == " " }
            if rest.hasPrefix("<... ") {
                if let index = open.removeValue(forKey: pid) { calls[index].completedOnLine = number }
                continue
            }
            guard let paren = rest.firstIndex(of: "(") else { continue }
            var call = Call(line: number, pid: pid, name: String(rest[..<paren]), arguments: String(rest[paren...]))
            if rest.hasSuffix("<unfinished ...>") {
                open[pid] = calls.count
            } else {
                call.completedOnLine = number
            }
            calls.append(call)
        }
        return calls
    }

    /// The first write to the connection whose client end is socket inode `peer`: the server's
    /// end shows as `UNIX-STREAM:[<its inode>-><peer inode>,"<socket path>"]`.
    static func firstReply(in calls: [Call], toPeer peer: UInt64) -> Call? {
        calls.first { ["write", "writev", "sendmsg", "sendto"].contains($0.name) && $0.arguments.contains("->\(peer),\"") }
    }

    /// Checks the calls traced since `after` (the line of the previous reply, if any) up to the
    /// reply to `peer`: that reply must come after an fsync or fdatasync of `walPath` that
    /// completed after the last write to that WAL. Returns what is wrong, or nil.
    static func walSyncedBeforeReply(_ calls: [Call], after: Int?, toPeer peer: UInt64, walPath: String) -> String? {
        let window = calls.filter { $0.line > (after ?? -1) }
        guard let reply = firstReply(in: window, toPeer: peer) else { return "no reply was written to the socket" }
        let onWAL = window.filter { $0.line < reply.line && $0.arguments.hasPrefix("(") && $0.arguments.contains("<\(walPath)>") }
        guard let lastWrite = onWAL.last(where: { $0.name.hasPrefix("pwrite") || $0.name.hasPrefix("write") }) else {
            return "nothing was written to the WAL before the reply"
        }
        let synced = onWAL.contains { call in
            (call.name == "fsync" || call.name == "fdatasync") && call.line > lastWrite.line
                && (call.completedOnLine ?? Int.max) < reply.line
        }
        guard synced else {
            return "the WAL write on line \(lastWrite.line + 1) was not synced before the reply on line \(reply.line + 1)"
        }
        return nil
    }
}
