import Dispatch

/// Keeps systemd waiting while the daemon opens its database (`EXTEND_TIMEOUT_USEC`, systemd
/// 236 and later). The schema's migrations run then, and those that rebuild a large index
/// (migrations 15 to 17 took 82 s at ten million files) come near or past the start timeout
/// systemd gives a `Type=notify` service (90 s by default); systemd would kill
/// the daemon in the middle of it, and every restart would roll the migration back and start
/// it again. The first message goes out at once; the next ones from a timer on a queue of its
/// own, as opening the database blocks the thread that asked for it.
final class StartupTimeoutExtension {
    /// How long each message gives; sent again well before it runs out.
    static let message = "EXTEND_TIMEOUT_USEC=60000000"
    private static let interval = DispatchTimeInterval.seconds(20)
    private let timer: DispatchSourceTimer

    init(notifier: SystemdNotifier, status: String) {
        let message = Self.message + "\nSTATUS=" + status
        notifier.send(message)
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "qcredit.startup-timeout"))
        timer.schedule(deadline: .now() + Self.interval, repeating: Self.interval)
        timer.setEventHandler { notifier.send(message) }
        timer.resume()
    }

    /// Stops the messages: READY=1 follows, or the daemon exits.
    func end() { timer.cancel() }
}
