import Foundation
import Glibc
import Synchronization

/// A peer that sends the same bytes over and over, as fast as the socket takes them, and never
/// reads a reply, on a thread of its own: how much it got to send tells how much the server
/// took in.
final class UnreadingSender: Sendable {
    private let descriptor: Int32
    private let sent = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let ended = Atomic<Bool>(false)

    init(socketPath: String, repeating bytes: [UInt8], upTo limit: Int) throws {
        descriptor = try connectedSocket(to: socketPath)
        let thread = Thread { [self] in
            var offset = 0
            while !stopping.load(ordering: .relaxed), sent.load(ordering: .relaxed) < limit {
                let written = bytes[offset...].withUnsafeBytes {
                    send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                }
                if written < 0 {
                    guard errno == EAGAIN || errno == EINTR else { break }
                    Thread.sleep(forTimeInterval: 0.002)
                    continue
                }
                sent.add(written, ordering: .relaxed)
                offset = (offset + written) % bytes.count
            }
            ended.store(true, ordering: .relaxed)
        }
        thread.start()
    }

    var bytesSent: Int { sent.load(ordering: .relaxed) }
    /// It sent `limit` bytes, or the connection failed, or it was stopped.
    var hasEnded: Bool { ended.load(ordering: .relaxed) }

    func close() {
        stopping.store(true, ordering: .relaxed)
        shutdown(descriptor, Int32(SHUT_RDWR))
    }

    deinit { Glibc.close(descriptor) }
}
