import Varlink

/// The registry's interfaces, parsed from the `.varlink` files in `Interfaces/` (embedded at
/// build time and served verbatim by `GetInterfaceDescription`).
public enum RegistryInterfaces {
    public static let query = "org.qcredit.query"
    public static let admin = "org.qcredit.admin"
    public static let audit = "org.qcredit.audit"
    public static let `operator` = "org.qcredit.operator"

    /// The interface files' texts by interface name.
    public static var texts: [String: String] {
        var texts: [String: String] = [:]
        for (path, text) in EmbeddedResources.files where path.hasSuffix(".varlink") {
            let name = String(path.split(separator: "/").last!.dropLast(".varlink".count))
            texts[name] = text
        }
        return texts
    }

    /// Every interface, parsed; a syntax error here is a build defect, caught by the tests.
    public static let all: [VarlinkInterface] = texts.keys.sorted().map { name in
        do {
            return try VarlinkInterface(parsing: texts[name]!)
        } catch {
            fatalError("Interfaces/\(name).varlink does not parse: \(error)")
        }
    }
}
