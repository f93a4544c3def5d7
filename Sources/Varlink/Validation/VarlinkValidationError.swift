/// Why parameters do not conform to an interface, in detail.
///
/// ``VarlinkInterface/validateInput(method:parameters:)`` turns it into
/// `org.varlink.service.InvalidParameter(parameter: path)` for the client; the output and
/// error validators throw it as is, so a test failure says exactly what is wrong.
public struct VarlinkValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The top-level field at fault (`""` when the method or error itself is unknown).
    public var field: String
    /// Where inside the parameters, e.g. `items[2].kind` or `labels["x"]`.
    public var path: String
    public var reason: String

    public init(field: String, path: String, reason: String) {
        self.field = field
        self.path = path
        self.reason = reason
    }

    /// The error reply a client gets for it: the parameter, or where inside it the fault is
    /// (`events[3].summary`), so that a client sending a batch learns which element to fix.
    public var varlinkError: VarlinkError { .invalidParameter(path.isEmpty ? field : path) }

    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}
