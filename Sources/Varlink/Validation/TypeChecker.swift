import CanonicalJSON

/// Checks JSON values against the types of one interface.
///
/// Rules: a non-optional field must be present and not `null`; `?T` may be absent or `null`;
/// unknown fields are rejected at every depth; `int` takes integers (also `3.0`, which some
/// writers print for integers, as ``JSONValue/intValue`` does), `float` takes any number;
/// an enum takes one of its listed strings; `object` takes any JSON object.
struct TypeChecker {
    /// The interface's named types. Not the interface itself: copying that struct into every
    /// checker retained and released each of its fields on every call.
    let types: [String: VarlinkTypeDefinition]

    /// Declared fields in declaration order first, then unknown fields in sorted order, so the
    /// first offending top-level field is deterministic.
    func check(_ parameters: [String: JSONValue], against fields: [VarlinkField]) throws(VarlinkValidationError) {
        var present = 0
        for field in fields {
            let value = parameters[field.name]
            if value != nil { present += 1 }
            if let reason = check(value, field.type) {
                throw VarlinkValidationError(field: field.name, path: field.name + reason.path, reason: reason.text)
            }
        }
        if present < parameters.count, let unknown = firstUnknown(in: parameters, fields: fields) {
            throw VarlinkValidationError(field: unknown, path: unknown, reason: "unknown field")
        }
    }

    private struct Failure {
        /// Where below the checked value (`[3].code`), built as the failure returns: a batch of
        /// 5,000 rows would otherwise build 55,000 paths that no one reads.
        var path: String
        var text: String

        func below(_ step: String) -> Failure { Failure(path: step + path, text: text) }
    }

    /// Nil when `value` conforms; recursion depth is bounded by the JSON parser's depth limit.
    private func check(_ value: JSONValue?, _ type: VarlinkType) -> Failure? {
        if case .optional(let wrapped) = type {
            guard let value, !value.isNull else { return nil }
            return check(value, wrapped)
        }
        guard let value else { return Failure(path: "", text: "missing") }
        if value.isNull { return Failure(path: "", text: "must not be null (expected \(type))") }

        switch type {
        case .bool:
            return value.boolValue != nil ? nil : mismatch(value, type)
        case .int:
            return value.intValue != nil ? nil : mismatch(value, type)
        case .float:
            return value.doubleValue != nil ? nil : mismatch(value, type)
        case .string:
            return value.stringValue != nil ? nil : mismatch(value, type)
        case .object:
            return value.objectValue != nil ? nil : mismatch(value, type)
        case .optional:
            return nil  // handled above
        case .named(let name):
            guard let definition = types[name] else {
                return Failure(path: "", text: "unknown type \(name)")
            }
            return check(value, definition.type)
        case .enumeration(let values):
            guard let string = value.stringValue else { return mismatch(value, type) }
            return values.contains(string) ? nil : Failure(path: "", text: "'\(string)' is not one of \(type)")
        case .array(let elementType):
            guard let elements = value.arrayValue else { return mismatch(value, type) }
            for (index, element) in elements.enumerated() {
                if let failure = check(element, elementType) { return failure.below("[\(index)]") }
            }
            return nil
        case .dictionary(let valueType):
            guard let members = value.objectValue else { return mismatch(value, type) }
            for key in members.keys.sorted() {
                if let failure = check(members[key], valueType) { return failure.below("[\"\(key)\"]") }
            }
            return nil
        case .structure(let fields):
            guard let members = value.objectValue else { return mismatch(value, type) }
            var present = 0
            for field in fields {
                let member = members[field.name]
                if member != nil { present += 1 }
                if let failure = check(member, field.type) { return failure.below("." + field.name) }
            }
            if present < members.count, let unknown = firstUnknown(in: members, fields: fields) {
                return Failure(path: "." + unknown, text: "unknown field")
            }
            return nil
        }
    }

    private func firstUnknown(in members: [String: JSONValue], fields: [VarlinkField]) -> String? {
        let declared = Set(fields.map(\.name))
        return members.keys.filter { !declared.contains($0) }.sorted().first
    }

    private func mismatch(_ value: JSONValue, _ type: VarlinkType) -> Failure {
        Failure(path: "", text: "expected \(type), found \(value.typeName)")
    }
}
