import CanonicalJSON
import Varlink
import VarlinkNIO

/// The client side of `org.varlink.certification` on our varlink client: each call carries
/// what the previous reply returned, Test10 is streamed with `more`, Test11 is `oneway`.
enum CertificationClient {
    struct Failed: Error, CustomStringConvertible {
        var step: String
        var reply: [String: JSONValue]
        var description: String { "\(step): unexpected reply \(JSONValue.object(reply).jsonText)" }
    }

    /// Runs the whole sequence; returns End's `all_ok`.
    static func run(_ client: VarlinkClient) async throws -> Bool {
        let prefix = CertificationInterface.name + "."
        func call(_ method: String, _ parameters: [String: JSONValue]) async throws -> [String: JSONValue] {
            try await client.call(prefix + method, parameters: parameters)
        }
        func value(_ reply: [String: JSONValue], _ key: String, _ step: String) throws -> JSONValue {
            guard let value = reply[key] else { throw Failed(step: step, reply: reply) }
            return value
        }

        let start = try await client.call(prefix + "Start")
        let id = try value(start, "client_id", "Start")
        let test01 = try await call("Test01", ["client_id": id])
        let test02 = try await call("Test02", ["client_id": id, "bool": try value(test01, "bool", "Test01")])
        let test03 = try await call("Test03", ["client_id": id, "int": try value(test02, "int", "Test02")])
        let test04 = try await call("Test04", ["client_id": id, "float": try value(test03, "float", "Test03")])
        let test05 = try await call("Test05", ["client_id": id, "string": try value(test04, "string", "Test04")])
        var test06Parameters = test05
        test06Parameters["client_id"] = id
        let test06 = try await call("Test06", test06Parameters)
        let test07 = try await call("Test07", ["client_id": id, "struct": try value(test06, "struct", "Test06")])
        let test08 = try await call("Test08", ["client_id": id, "map": try value(test07, "map", "Test07")])
        let test09 = try await call("Test09", ["client_id": id, "set": try value(test08, "set", "Test08")])
        var strings: [JSONValue] = []
        for try await reply in client.stream(
            prefix + "Test10", parameters: ["client_id": id, "mytype": try value(test09, "mytype", "Test09")])
        {
            strings.append(try value(reply, "string", "Test10"))
        }
        try await client.oneway(prefix + "Test11", parameters: ["client_id": id, "last_more_replies": .array(strings)])
        let end = try await call("End", ["client_id": id])
        return end["all_ok"] == true
    }
}
