import Foundation
import QCreditLog
import QCreditService
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
        let client = try await connected()
        do {
            return try Self.checked(method, try await client.call(method, parameters: parameters), socket: socketPath)
        } catch let error as VarlinkError {
            throw try Self.checked(method, error, socket: socketPath)
        }
    }

    /// Calls `method` with `more` and streams each reply's parameters, each checked as it is
    /// taken (so the stream's backpressure is the connection's).
    func stream(_ method: String, _ parameters: [String: JSONValue] = [:]) async throws -> CheckedReplies {
        CheckedReplies(replies: try await connected().stream(method, parameters: parameters), method: method, socket: socketPath)
    }

    /// A stream of replies, each checked against the interface as ``call(_:_:)``'s reply is.
    struct CheckedReplies: AsyncSequence {
        typealias Element = [String: JSONValue]
        let replies: AsyncThrowingStream<[String: JSONValue], any Error>
        let method: String
        let socket: String

        func makeAsyncIterator() -> Iterator { Iterator(base: replies.makeAsyncIterator(), method: method, socket: socket) }

        struct Iterator: AsyncIteratorProtocol {
            var base: AsyncThrowingStream<[String: JSONValue], any Error>.Iterator
            let method: String
            let socket: String

            mutating func next() async throws -> [String: JSONValue]? {
                do {
                    guard let reply = try await base.next() else { return nil }
                    return try DaemonSession.checked(method, reply, socket: socket)
                } catch let error as VarlinkError {
                    throw try DaemonSession.checked(method, error, socket: socket)
                }
            }
        }
    }

    /// `reply` if it is what the registry's interface declares for `method`: a reply that is not
    /// (a program other than qcreditd on the socket, or a defect) is a broken connection, exit 3,
    /// not an answer to print ("never graded" from a reply that held no grade).
    static func checked(_ method: String, _ reply: [String: JSONValue], socket: String) throws(Failure) -> [String: JSONValue] {
        guard let (interface, name) = Self.registryInterface(of: method) else { return reply }
        do {
            try interface.validateOutput(method: name, parameters: reply)
        } catch {
            throw .connectionLost(socket: socket, reason: "the reply to \(method) is not what its interface declares: \(error)")
        }
        return reply
    }

    /// `error` if the interface declares it (or it is a standard varlink error): else, as for a
    /// reply, the connection is taken for broken.
    static func checked(_ method: String, _ error: VarlinkError, socket: String) throws(Failure) -> VarlinkError {
        guard let (interface, _) = Self.registryInterface(of: method) else { return error }
        do {
            try interface.validateError(name: error.name, parameters: error.parameters)
        } catch let problem {
            throw .connectionLost(socket: socket, reason: "the error \(error.name) answered to \(method) is not what its interface declares: \(problem)")
        }
        return error
    }

    /// The interface `method` (`org.qcredit.query.GetGrade`, `org.varlink.service.GetInfo`)
    /// belongs to, and its name there; nil for an interface qcredit does not know (`qcredit call`).
    private static func registryInterface(of method: String) -> (VarlinkInterface, String)? {
        let call = VarlinkCall(method: method)
        let known = RegistryInterfaces.all + [VarlinkInterface.service]
        guard let interface = known.first(where: { $0.name == call.interfaceName }) else { return nil }
        return (interface, call.methodName)
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
