import ArgumentParser
import CanonicalJSON
import Varlink

/// `qcredit info`: org.varlink.service.GetInfo.
struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show which daemon answers on the socket, and its interfaces.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run { daemon, console in
            let reply = try await daemon.call("org.varlink.service.GetInfo")
            console.reply(reply) { reply in
                var block = KeyValueBlock()
                block.add("Socket", daemon.socketPath)
                block.add("Vendor", reply["vendor"]?.stringValue)
                block.add("Product", reply["product"]?.stringValue)
                block.add("Version", reply["version"]?.stringValue)
                block.add("URL", reply["url"]?.stringValue)
                block.add("Interfaces", Render.strings(reply["interfaces"]).joined(separator: ", "))
                return block.lines()
            }
            return .success
        }
    }
}

/// `qcredit call METHOD [JSON] [--more]`: any method with raw parameters.
struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call any varlink method with raw JSON parameters; replies are printed as JSON.",
        discussion: """
            The escape hatch for scripts. Each reply's parameters are printed as one JSON object \
            per line, whether or not --json is given. Example:

              qcredit call org.qcredit.query.GetGrade '{"code": "911522010783762860"}'
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The fully qualified method, e.g. org.qcredit.query.GetGrade.", valueName: "method"))
    var method: String

    @Argument(help: ArgumentHelp("The parameters, a JSON object (default: {}).", valueName: "json"))
    var parametersJSON: String?

    @Flag(help: "Ask for several replies (for methods that stream), printed as JSON Lines.")
    var more = false

    func validate() throws {
        guard VarlinkCall(method: method).isQualified else {
            throw ValidationError(
                "'\(method)' is not a fully qualified method name: give its interface too, e.g. org.qcredit.query.GetGrade")
        }
    }

    func run() async throws {
        try await options.run { daemon, console in
            let parameters = try Self.parse(parametersJSON ?? "{}")
            if more {
                for try await reply in try await daemon.stream(method, parameters) {
                    console.jsonLine(.object(reply))
                }
            } else {
                console.jsonLine(.object(try await daemon.call(method, parameters)))
            }
            return .success
        }
    }

    static func parse(_ text: String) throws(Failure) -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw .badInput("parameters: malformed JSON: \(error)")
        }
        guard let object = value.objectValue else {
            throw .badInput("parameters: expected a JSON object, found \(value.typeName)")
        }
        return object
    }
}
