import Foundation
import Glibc
import Synchronization

/// A peer that sends its calls, then reads its replies at a pace of its own — `chunk` bytes
/// every `interval` — on a thread of its own, so that a loaded test run (whose event loops and
/// tasks may wait their turn for seconds) slows it no more than the kernel's scheduler does.
final class PacedReader: Sendable {
    private let descriptor: Int32
    private let received = Atomic<Int>(0)
    private let ended = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let paused = Atomic<Bool>(false)
    /// Why reading ended: 0 for the end of the stream, else the `errno` of the failed call.
    private let endingError = Atomic<Int32>(-1)

    /// `thenShutDown`: once the call is sent, the peer shuts down its sending side (as `socat` does).
    init(socketPath: String, sending bytes: [UInt8], thenShutDown: Bool = false, chunk: Int, every interval: Duration) throws {
        descriptor = try connectedSocket(to: socketPath)
        // The call is sent from the reader's own thread: a send of megabytes blocks until the
        // server has read them, and two tests blocked so on the test process's two shared
        // threads left none to run the server's tasks (a CI run stood still that way).
        let thread = Thread { [self] in
            var sent = 0
            while sent < bytes.count {
                let written = bytes[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { break }
                sent += written
            }
            if thenShutDown { shutdown(descriptor, Int32(SHUT_WR)) }
            var buffer = [UInt8](repeating: 0, count: chunk)
            while !stopping.load(ordering: .relaxed) {
                if paused.load(ordering: .relaxed) {
                    Thread.sleep(forTimeInterval: 0.005)
                    continue
                }
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, chunk, 0) }
                // A signal to the test process is not the server closing the connection.
                if count < 0, errno == EINTR { continue }
                if count <= 0 {
                    endingError.store(count == 0 ? 0 : errno, ordering: .relaxed)
                    break
                }
                received.add(count, ordering: .relaxed)
                Thread.sleep(forTimeInterval: Double(interval.components.attoseconds) / 1e18 + Double(interval.components.seconds))
            }
            ended.store(true, ordering: .relaxed)
        }
        thread.start()
    }

    var bytesReceived: Int { received.load(ordering: .relaxed) }
    /// The peer closed the connection (or reading stopped).
    var hasEnded: Bool { ended.load(ordering: .relaxed) }

    /// How reading ended, for a failing test's message.
    var ending: String {
        switch endingError.load(ordering: .relaxed) {
        case -1: hasEnded ? "stopped" : "still reading"
        case 0: "end of stream"
        case let code: "recv failed: \(String(cString: strerror(code)))"
        }
    }

    /// Stops reading until ``resume()`` (the connection stays open).
    func pause() { paused.store(true, ordering: .relaxed) }

    func resume() { paused.store(false, ordering: .relaxed) }

    func close() {
        stopping.store(true, ordering: .relaxed)
        shutdown(descriptor, Int32(SHUT_RDWR))
    }

    deinit { Glibc.close(descriptor) }
}
