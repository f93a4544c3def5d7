import Foundation
import Glibc

/// A Unix stream socket connected to `socketPath`, as a raw descriptor (the caller closes it):
/// for peers that must act on their own threads, outside any event loop.
func connectedSocket(to socketPath: String) throws -> Int32 {
    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard descriptor >= 0 else { throw POSIXError(.EIO) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { path in
        for (offset, byte) in socketPath.utf8.prefix(path.count - 1).enumerated() { path[offset] = byte }
    }
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard connected == 0 else {
        Glibc.close(descriptor)
        throw POSIXError(.ECONNREFUSED)
    }
    return descriptor
}
