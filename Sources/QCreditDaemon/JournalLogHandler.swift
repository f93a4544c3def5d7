import Foundation
import Logging

/// Log lines for the systemd journal when stderr is connected to it: each line starts with its
/// syslog priority (`<3>` for an error, `sd-daemon(3)`), so that `journalctl -p err` finds the
/// errors instead of filing every line at the unit's default priority, and a message or value
/// holding a line feed stays one journal entry (written `\n`). The journal stamps each entry
/// itself, so the line carries no time.
///
/// ```swift
/// if JournalLogHandler.standardErrorIsTheJournal(ProcessInfo.processInfo.environment) {
///     LoggingSystem.bootstrap { JournalLogHandler(label: $0) }
/// }
/// ```
struct JournalLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata.merging(metadataProvider?.get() ?? [:]) { _, provided in provided }
        merged.merge(event.metadata ?? [:]) { _, explicit in explicit }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let line = Self.line(level: event.level, label: label, metadata: merged, source: event.source, message: "\(event.message)")
        // One write(2) of the whole line: lines from several threads do not interleave.
        var bytes = Array(line.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }  // the journal is gone: nothing else to tell
            bytes = bytes.dropFirst(written)
        }
    }

    /// `<priority>level label: key=value … [source] message`, on one line.
    static func line(level: Logger.Level, label: String, metadata: Logger.Metadata, source: String, message: String) -> String {
        let values = metadata.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        return "<\(priority(of: level))>\(level) \(label):\(values) [\(source)] \(message)"
            .replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n") + "\n"
    }

    /// The syslog priority of a level: 2 critical, 3 error, 4 warning, 5 notice, 6 info, 7 debug and trace.
    static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }

    /// Whether stderr is the stream systemd connected to the journal: `$JOURNAL_STREAM` names
    /// its device and inode (`systemd.exec(5)`). A daemon run by hand, or whose stderr a test or
    /// a shell redirected, keeps the plain lines.
    static func standardErrorIsTheJournal(_ environment: [String: String]) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}
