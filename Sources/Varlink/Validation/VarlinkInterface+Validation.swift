import CanonicalJSON

extension VarlinkInterface {
    /// Checks a call's parameters against the method's input.
    ///
    /// Throws `org.varlink.service.MethodNotFound` for an unknown method and
    /// `org.varlink.service.InvalidParameter(parameter:)` naming the first offending top-level
    /// field: declared fields are checked in declaration order, then unknown fields (sorted).
    ///
    /// ```swift
    /// try interface.validateInput(method: "Ping", parameters: ["text": "hi"])
    /// ```
    public func validateInput(method: String, parameters: [String: JSONValue]) throws(VarlinkError) {
        guard let definition = self.method(named: method) else { throw .methodNotFound(qualified(method)) }
        try validateInput(definition, parameters: parameters)
    }

    /// ``validateInput(method:parameters:)`` for a method definition already looked up.
    public func validateInput(_ definition: VarlinkMethodDefinition, parameters: [String: JSONValue]) throws(VarlinkError) {
        do {
            try TypeChecker(types: typesByName).check(parameters, against: definition.input)
        } catch {
            throw error.varlinkError
        }
    }

    /// Checks a (non-error) reply's parameters against the method's output.
    public func validateOutput(method: String, parameters: [String: JSONValue]) throws(VarlinkValidationError) {
        guard let definition = self.method(named: method) else {
            throw VarlinkValidationError(field: "", path: "", reason: "\(name) has no method \(method)")
        }
        try TypeChecker(types: typesByName).check(parameters, against: definition.output)
    }

    /// Checks an error reply against this interface's declaration of the error. The standard
    /// `org.varlink.service` errors are accepted from every interface, checked against their
    /// own declarations.
    public func validateError(name: String, parameters: [String: JSONValue]) throws(VarlinkValidationError) {
        if name.hasPrefix(VarlinkError.serviceInterface + "."), self.name != VarlinkError.serviceInterface {
            try VarlinkInterface.service.validateError(name: name, parameters: parameters)
            return
        }
        guard let definition = error(named: name) else {
            throw VarlinkValidationError(field: "", path: "", reason: "\(self.name) declares no error \(name)")
        }
        try TypeChecker(types: typesByName).check(parameters, against: definition.parameters)
    }

    private func qualified(_ method: String) -> String {
        method.contains(".") ? method : "\(name).\(method)"
    }
}
