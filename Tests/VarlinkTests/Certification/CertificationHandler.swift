import CanonicalJSON
import Foundation
import Synchronization
import Varlink

/// A server side of `org.varlink.certification` on our varlink module: each client goes
/// Start, Test01 … Test11, End, each call carrying what the previous reply returned. A
/// deviation answers `CertificationError(wants, got)` and ends that client's run, so its End
/// fails too.
final class CertificationHandler: VarlinkHandler {
    /// Each running client's next expected method.
    private let nextMethod = Mutex<[String: String]>([:])

    private static let order = ["Start"] + (1...11).map { String(format: "Test%02d", $0) } + ["End"]

    func handle(_ call: VarlinkCall, context: VarlinkCallContext, replies: VarlinkReplyWriter) async throws {
        let method = call.methodName
        if method == "Start" {
            let clientID = UUID().uuidString.lowercased()
            nextMethod.withLock { $0[clientID] = "Test01" }
            try await replies.reply(["client_id": .string(clientID)])
            return
        }
        guard let clientID = call.parameters["client_id"]?.stringValue,
            let expected = nextMethod.withLock({ $0[clientID] })
        else {
            throw VarlinkError(name: "org.varlink.certification.ClientIdError")
        }
        guard method == expected else {
            throw fail(clientID, wants: .string("Call to method \(expected)"), got: .string("Call to method \(method)"))
        }
        var got = call.parameters
        got["client_id"] = nil
        let (wants, reply) = Self.step(method)
        guard Self.same(.object(got), .object(wants)) else { throw fail(clientID, wants: .object(wants), got: .object(got)) }
        // After End the client is gone; after any other step it owes the next one.
        let following = Self.order.firstIndex(of: method).flatMap { Self.order.dropFirst($0 + 1).first }
        nextMethod.withLock { $0[clientID] = following }
        switch method {
        case "Test10":
            guard call.more else { throw fail(clientID, wants: ["more": true], got: ["more": false]) }
            let strings = CertificationInterface.test10Replies
            for (index, string) in strings.enumerated() {
                try await replies.send(["string": .string(string)], continues: index < strings.count - 1)
            }
        case "Test11":
            guard call.oneway else { throw fail(clientID, wants: ["oneway": true], got: ["oneway": false]) }
        case "End":
            nextMethod.withLock { $0[clientID] = nil }
            try await replies.reply(["all_ok": true])
        default:
            try await replies.reply(reply)
        }
    }

    /// What `method` must receive (besides `client_id`) and what it answers.
    private static func step(_ method: String) -> (wants: [String: JSONValue], reply: [String: JSONValue]) {
        typealias C = CertificationInterface
        switch method {
        case "Test01": return ([:], ["bool": true])
        case "Test02": return (["bool": true], ["int": 1])
        case "Test03": return (["int": 1], ["float": 1.0])
        case "Test04": return (["float": 1.0], ["string": "ping"])
        case "Test05": return (["string": "ping"], ["bool": false, "int": 2, "float": C.pi, "string": "a lot of string"])
        case "Test06": return (["bool": false, "int": 2, "float": C.pi, "string": "a lot of string"], ["struct": C.test06Struct])
        case "Test07": return (["struct": C.test06Struct], ["map": C.test07Map])
        case "Test08": return (["map": C.test07Map], ["set": C.test08Set])
        case "Test09": return (["set": C.test08Set], ["mytype": C.myType])
        case "Test10": return (["mytype": C.myType], [:])
        case "Test11": return (["last_more_replies": .array(C.test10Replies.map(JSONValue.string))], [:])
        default: return ([:], [:])
        }
    }

    private func fail(_ clientID: String, wants: JSONValue, got: JSONValue) -> VarlinkError {
        nextMethod.withLock { $0[clientID] = nil }
        return VarlinkError(name: "org.varlink.certification.CertificationError", parameters: ["wants": wants, "got": got])
    }

    /// Equal as the certification means it: numbers by value (1 and 1.0 alike), and a missing
    /// member the same as null, which is how optional fields may travel.
    static func same(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        switch (a ?? .null, b ?? .null) {
        case (.null, .null): return true
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)): return Set(x.keys).union(y.keys).allSatisfy { same(x[$0], y[$0]) }
        case (let x, let y):
            if let u = x.doubleValue, let v = y.doubleValue { return u == v }
            return x == y
        }
    }
}
