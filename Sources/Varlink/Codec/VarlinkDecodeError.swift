/// Why a frame could not be turned into a call or a reply.
///
/// The two cases get different treatment from the server, which is why they are separate:
/// a malformed frame means the byte stream can no longer be trusted, a frame that is valid
/// JSON but not a call is the client's mistake and gets an error reply.
public enum VarlinkDecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not JSON, invalid UTF-8, or nested deeper than allowed. The connection is closed.
    case malformed(reason: String)
    /// Valid JSON that is not a call: answered with
    /// `org.varlink.service.InvalidParameter(parameter: field)` and the connection goes on.
    /// `field` is `"method"` when the message is not an object or lacks a string `method`.
    case notACall(field: String)

    public var description: String {
        switch self {
        case .malformed(let reason): return "malformed message: \(reason)"
        case .notACall(let field): return "not a varlink call: bad \(field)"
        }
    }
}
