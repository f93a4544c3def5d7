import CanonicalJSON
import Foundation
import Varlink

/// `org.varlink.certification`, the interface varlink implementations certify each other with,
/// read from the third-party packages that ship it (Debian's `golang-github-varlink-go-dev`, the
/// Python `varlink` package) rather than copied into the repository.
enum CertificationInterface {
    static let name = "org.varlink.certification"

    static let info = VarlinkServiceInfo(
        vendor: "qcredit tests", product: "varlink certification server", version: "1",
        url: "https://varlink.org")

    /// Where the third-party packages keep the interface file.
    static var candidatePaths: [String] {
        var paths = [
            "/usr/share/gocode/src/github.com/varlink/go/cmd/varlink-go-certification/orgvarlinkcertification/org.varlink.certification.varlink"
        ]
        if let package = ThirdPartyVarlink.pythonPackageDirectory {
            paths.append(package + "/tests/org.varlink.certification.varlink")
        }
        return paths
    }

    /// The interface as shipped, or nil when no package that ships it is installed.
    static func load() throws -> VarlinkInterface? {
        guard let path = candidatePaths.first(where: { FileManager.default.fileExists(atPath: $0) }) else { return nil }
        return try VarlinkInterface(parsing: String(contentsOfFile: path, encoding: .utf8))
    }

    // MARK: The values the certification exchanges

    static let pi = JSONValue.double(Double.pi)

    static let test06Struct: JSONValue = [
        "bool": false, "int": 2, "float": pi, "string": "a lot of string",
    ]

    static let test07Map: JSONValue = ["foo": "Foo", "bar": "Bar"]

    static let test08Set: JSONValue = ["one": [:], "two": [:], "three": [:]]

    /// The `MyType` value Test09 returns and Test10 expects back. Its two nullable fields are
    /// left out, which the interface allows; a client may send them back as null.
    static let myType: JSONValue = [
        "object": [
            "method": "org.varlink.certification.Test09",
            "parameters": ["map": ["foo": "Foo", "bar": "Bar"]],
        ],
        "enum": "two",
        "struct": ["first": 1, "second": "2"],
        "array": ["one", "two", "three"],
        "dictionary": ["foo": "Foo", "bar": "Bar"],
        "stringset": ["one": [:], "two": [:], "three": [:]],
        "interface": [
            "foo": [nil, ["foo": "foo", "bar": "bar"], nil, ["one": "foo", "two": "bar"]],
            "anon": ["foo": true, "bar": false],
        ],
    ]

    static let test10Replies: [String] = (1...10).map { "Reply number \($0)" }
}
