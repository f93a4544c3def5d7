import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A varlink connection that sends one call and blocks in `read` until its reply's NUL: the
/// least a client can do per call, so that the figures of ``ProofBenchmark`` are the daemon's
/// round trip and not an event loop's hand-offs inside the client (vlbench's model, for calls
/// whose parameters are not one string).
final class BlockingVarlinkConnection {
    enum Failure: Error, CustomStringConvertible {
        case connect(String, errno: Int32)
        case io(errno: Int32)
        case closed
        case error(String)

        var description: String {
            switch self {
            case .connect(let path, let code): "cannot connect to \(path): \(String(cString: strerror(code)))"
            case .io(let code): "socket: \(String(cString: strerror(code)))"
            case .closed: "the daemon closed the connection"
            case .error(let reply): "error reply: \(reply)"
            }
        }
    }

    private let descriptor: Int32
    private var buffer: [UInt8] = []

    init(socketPath: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure.connect(socketPath, errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(descriptor)
            throw Failure.connect(socketPath, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: path) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(descriptor)
            throw Failure.connect(socketPath, errno: code)
        }
    }

    deinit { close(descriptor) }

    /// Sends `{"method":…,"parameters":…}` (the parameters already JSON text) and returns the
    /// reply's bytes without its NUL; an `error` reply throws.
    func call(_ method: String, parametersJSON: String = "{}") throws -> ArraySlice<UInt8> {
        try send(Array("{\"method\":\"\(method)\",\"parameters\":\(parametersJSON)}".utf8))
        buffer.removeAll(keepingCapacity: true)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard n >= 0 else { throw Failure.io(errno: errno) }
            guard n > 0 else { throw Failure.closed }
            buffer.append(contentsOf: chunk[0..<n])
            if chunk[n - 1] == 0 { break }
        }
        let reply = buffer[0..<(buffer.count - 1)]
        if reply.starts(with: Array("{\"error\"".utf8)) { throw Failure.error(String(decoding: reply, as: UTF8.self)) }
        return reply
    }

    /// Sends the call with `more` and reads until `replies` replies (NULs) have come; an error
    /// reply among them throws. Only counts: a client that decodes would measure itself.
    func stream(_ method: String, parametersJSON: String, replies: Int) throws {
        try send(Array("{\"method\":\"\(method)\",\"more\":true,\"parameters\":\(parametersJSON)}".utf8))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var received = 0
        var first = true
        while received < replies {
            let n = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard n >= 0 else { throw Failure.io(errno: errno) }
            guard n > 0 else { throw Failure.closed }
            // An error ends the call in its first reply (GetGrades answers a bad code in its reply).
            if first, chunk.starts(with: Array("{\"error\"".utf8)) {
                throw Failure.error(String(decoding: chunk[0..<min(n, 300)], as: UTF8.self))
            }
            first = false
            for byte in chunk[0..<n] where byte == 0 { received += 1 }
        }
    }

    private func send(_ text: [UInt8]) throws {
        var message = text
        message.append(0)
        var sent = 0
        while sent < message.count {
            let n = message[sent...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure.io(errno: errno) }
            sent += n
        }
    }
}
