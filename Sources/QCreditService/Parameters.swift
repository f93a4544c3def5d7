import CanonicalJSON
import Varlink

/// Typed access to a call's parameters. The dispatcher has already checked them against the
/// interface file, so a mismatch here means the file and the code disagree; it is still
/// reported as `InvalidParameter`, never a crash.
struct Parameters: Sendable {
    let values: [String: JSONValue]

    init(_ values: [String: JSONValue]) { self.values = values }

    private func present(_ name: String) -> JSONValue? {
        guard let value = values[name], !value.isNull else { return nil }
        return value
    }

    func string(_ name: String) throws(VarlinkError) -> String {
        guard let value = present(name)?.stringValue else { throw .invalidParameter(name) }
        return value
    }

    func optionalString(_ name: String) throws(VarlinkError) -> String? {
        guard let value = present(name) else { return nil }
        guard let string = value.stringValue else { throw .invalidParameter(name) }
        return string
    }

    func int(_ name: String) throws(VarlinkError) -> Int64 {
        guard let value = present(name)?.intValue else { throw .invalidParameter(name) }
        return value
    }

    func optionalInt(_ name: String) throws(VarlinkError) -> Int64? {
        guard let value = present(name) else { return nil }
        guard let int = value.intValue else { throw .invalidParameter(name) }
        return int
    }

    func optionalBool(_ name: String) throws(VarlinkError) -> Bool? {
        guard let value = present(name) else { return nil }
        guard let bool = value.boolValue else { throw .invalidParameter(name) }
        return bool
    }

    func optionalStrings(_ name: String) throws(VarlinkError) -> [String]? {
        guard let value = present(name) else { return nil }
        guard let array = value.arrayValue else { throw .invalidParameter(name) }
        var strings: [String] = []
        for element in array {
            guard let string = element.stringValue else { throw .invalidParameter(name) }
            strings.append(string)
        }
        return strings
    }

    func strings(_ name: String) throws(VarlinkError) -> [String] {
        guard let strings = try optionalStrings(name) else { throw .invalidParameter(name) }
        return strings
    }

    func optionalObject(_ name: String) throws(VarlinkError) -> Parameters? {
        guard let value = present(name) else { return nil }
        guard let object = value.objectValue else { throw .invalidParameter(name) }
        return Parameters(object)
    }

    func objects(_ name: String) throws(VarlinkError) -> [Parameters] {
        guard let array = present(name)?.arrayValue else { throw .invalidParameter(name) }
        var objects: [Parameters] = []
        for element in array {
            guard let object = element.objectValue else { throw .invalidParameter(name) }
            objects.append(Parameters(object))
        }
        return objects
    }
}
