import Foundation
import QCreditLog
import CanonicalJSON
import NIOCore
import Varlink
import VarlinkNIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The daemon as one command sees it: a connection opened on first use, so that local input
/// is read and checked before anything is sent, and a bad file is reported as such even when
/// the daemon is down.
final class DaemonSession {
    let socketPath: String
    private var client: VarlinkClient?

    init(socketPath: String) { self.socketPath = socketPath }

    /// Calls `method` and returns its reply's parameters; an error reply is thrown as
    /// ``VarlinkError``.
    func call(_ method: String, _ parameters: [String: JSONValue] = [:]) async throws -> [String: JSONValue] {
        try await connected().call(method, parameters: parameters)
    }

    /// Calls `method` with `more` and streams each reply's parameters.
    func stream(_ method: String, _ parameters: [String: JSONValue] = [:]) async throws
        -> AsyncThrowingStream<[String: JSONValue], any Error>
    {
        try await connected().stream(method, parameters: parameters)
    }

    /// The connection itself, for calls pipelined from several tasks.
    func client() async throws -> VarlinkClient {
        try await connected()
    }

    func close() async {
        await client?.close()
        client = nil
    }

    private func connected() async throws(Failure) -> VarlinkClient {
        if let client { return client }
        do {
            let client = try await VarlinkClient.connect(socketPath: socketPath)
            self.client = client
            return client
        } catch {
            throw .unreachable(socket: socketPath, reason: Self.reason(error))
        }
    }

    /// Why a connect failed, in words: the system's text for the errno when there is one
    /// ("no such file or directory", "connection refused", "permission denied").
    static func reason(_ error: any Error) -> String {
        if let error = error as? IOError { return systemErrorText(error.errnoCode) }
        return "\(error)"
    }
}

/// The system's text for an errno value, in lower case to continue a sentence:
/// "no such file or directory".
func systemErrorText(_ code: Int32) -> String {
    FileErrors.systemText(code)
}

/// Why a Foundation file operation failed, in the system's words when an errno lies beneath
/// ("no space left on device", not "the operation could not be completed").
func fileErrorText(_ error: any Error) -> String {
    FileErrors.text(of: error)
}

/// Input parameters with the absent optional ones left out, as varlink expects.
func parameters(_ values: [String: JSONValue?]) -> [String: JSONValue] {
    values.compactMapValues { $0 }
}

extension JSONValue {
    /// An optional flag's value as a parameter: the string, or nil to leave it out.
    static func optional(_ string: String?) -> JSONValue? {
        string.map(JSONValue.string)
    }
}
