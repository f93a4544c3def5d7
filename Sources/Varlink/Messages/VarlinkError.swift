import CanonicalJSON

/// A varlink error: a fully qualified name and its parameters.
///
/// Handlers throw it to answer a call with an error reply; ``VarlinkClient`` throws it when
/// the service answers with one. The standard errors of `org.varlink.service` have constructors:
///
/// ```swift
/// throw VarlinkError(name: "org.example.ping.NotFound", parameters: ["id": 7])
/// throw VarlinkError.invalidParameter("limit")
/// ```
public struct VarlinkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The fully qualified error name, e.g. `org.varlink.service.MethodNotFound`.
    public var name: String
    public var parameters: [String: JSONValue]

    public init(name: String, parameters: [String: JSONValue] = [:]) {
        self.name = name
        self.parameters = parameters
    }

    public var description: String {
        parameters.isEmpty ? name : "\(name) \(JSONValue.object(parameters).jsonText)"
    }
}

extension VarlinkError {
    /// The interface every service implements; its errors are the standard ones.
    public static let serviceInterface = "org.varlink.service"

    public static func interfaceNotFound(_ interface: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.InterfaceNotFound", parameters: ["interface": .string(interface)])
    }

    /// `method` is the fully qualified method name the client asked for.
    public static func methodNotFound(_ method: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.MethodNotFound", parameters: ["method": .string(method)])
    }

    public static func methodNotImplemented(_ method: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.MethodNotImplemented", parameters: ["method": .string(method)])
    }

    /// `parameter` names the offending top-level field.
    public static func invalidParameter(_ parameter: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.InvalidParameter", parameters: ["parameter": .string(parameter)])
    }

    public static func permissionDenied() -> VarlinkError {
        VarlinkError(name: "org.varlink.service.PermissionDenied")
    }

    /// The method streams its replies and must be called with `more: true`.
    public static func expectedMore() -> VarlinkError {
        VarlinkError(name: "org.varlink.service.ExpectedMore")
    }

    /// The dispatcher's default answer to a handler error that is not a ``VarlinkError``.
    /// It is not declared in `org.varlink.service`; clients see it as an opaque failure.
    public static func internalError() -> VarlinkError {
        VarlinkError(name: "org.varlink.service.InternalError")
    }
}
