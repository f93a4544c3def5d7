import CanonicalJSON
import QCreditDomain
import QCreditService
import Testing
import Varlink

/// Every method answers edge values (0, −1, 2^53, sizes past the tree, empty and malformed
/// strings, empty lists) with a reply or an error its interface declares: never
/// `InternalError`, which would mean a defect, not a bad request.
@Suite struct EdgeValueTests {
    static let code = "911522010783762860"
    static let other = "91152201078377449P"

    /// A valid value for each parameter, by name (the interfaces name parameters consistently).
    static func valid(_ field: VarlinkField, in interface: VarlinkInterface) -> JSONValue? {
        switch field.name {
        case "code": return .string(code)
        case "codes": return [.string(code), .string(other)]
        case "listingId", "eventId": return 1
        case "index", "start", "fromSize": return 1
        case "treeSize", "end", "toSize": return 2
        case "listType": return "serious-dishonesty"
        case "name": return "Edge Co."
        case "dimension": return "product"
        case "kind": return "penalty"
        case "severity": return "low"
        case "grade": return "B"
        case "outcome": return "rejected"
        case "reason" where interface.name.hasSuffix("admin"): return "repaired"
        case "status": return "active"
        case "at", "occurredOn", "decisionDate", "filedOn", "resolvedOn", "publicationDate", "withdrawnOn", "removedOn",
            "effectiveOn", "since", "until":
            return "2026-03-01"
        default: break
        }
        switch field.type {
        case .optional: return nil
        case .bool: return false
        case .int: return 1
        case .float: return 1.5
        case .string: return "text"
        case .object: return [:]
        case .array(let element):
            return valid(VarlinkField(name: field.name, type: element), in: interface).map { [$0] } ?? []
        case .named(let name):
            guard let definition = interface.type(named: name), case .structure(let fields) = definition.type else { return nil }
            return .object(object(fields, in: interface))
        case .structure(let fields): return .object(object(fields, in: interface))
        case .enumeration(let values): return values.first.map(JSONValue.string)
        default: return nil
        }
    }

    static func object(_ fields: [VarlinkField], in interface: VarlinkInterface) -> [String: JSONValue] {
        var object: [String: JSONValue] = [:]
        for field in fields { object[field.name] = valid(field, in: interface) }
        return object
    }

    /// The edge values tried for a parameter of `type`.
    static func edges(_ type: VarlinkType) -> [JSONValue] {
        switch type {
        case .optional(let wrapped): return [.null] + edges(wrapped)
        case .int: return [0, -1, 1, 3, .int(1 << 53), .int(-(1 << 53)), .int(Int64.max), .int(Int64.min)]
        case .string:
            return [
                "", " ", "0", "-1", "2026-02-30", "9999-12-31", "1900-01-01T00:00:00Z", "911522010783762861", "0783762-86",
                .string(String(repeating: "长", count: 5000)), "a\u{0}b",
                // Few characters but many code points: limits count code points, as SQLite does.
                .string(String(repeating: "🇨🇳", count: 51)), .string("A" + String(repeating: "\u{301}", count: 5000)),
            ]
        case .array(let element): return [[]] + edges(element).prefix(3).map { [$0] }
        case .bool: return [true, false]
        default: return []
        }
    }

    @Test func noMethodAnswersAnEdgeValueWithInternalError() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        // A registry with a little of everything for the ids above to name.
        for code in [Self.code, Self.other] {
            _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "Edge Co."])
        }
        _ = try await fixture.call(
            "org.qcredit.admin.RecordEvent",
            [
                "code": .string(Self.code), "dimension": "product", "kind": "recall", "severity": "low", "occurredOn": "2026-02-01",
                "authority": "AMR", "documentNumber": "1", "summary": "s",
            ])
        _ = try await fixture.call("org.qcredit.admin.PublishGrades")
        _ = try await fixture.call(
            "org.qcredit.admin.ProposeListing",
            [
                "code": .string(Self.code), "listType": "serious-dishonesty", "reason": "r", "legalBasis": "l", "authority": "a",
                "documentNumber": "d", "decisionDate": "2026-03-01",
            ])

        let roles = RegistryService.methodRoles
        var calls = 0
        for interface in RegistryInterfaces.all {
            for method in interface.methods {
                let name = "\(interface.name).\(method.name)"
                let peer = try Self.peer(allowed: #require(roles[name]))
                let baseline = Self.object(method.input, in: interface)
                var cases = [baseline]
                for field in method.input {
                    for value in Self.edges(field.type) {
                        var parameters = baseline
                        parameters[field.name] = value
                        cases.append(parameters)
                    }
                }
                for parameters in cases {
                    calls += 1
                    let call = VarlinkCall(method: name, parameters: parameters, more: true)
                    // The change feed never ends: hang up once it has caught up.
                    let replies =
                        method.name == "WatchChanges"
                        ? await fixture.changesUntilCaughtUp(parameters, as: peer)
                        : await fixture.dispatcher.collectReplies(
                            to: call, context: VarlinkCallContext(credentials: peer, connectionID: 1))
                    let shown = "\(name)(\(JSONValue.object(parameters).jsonText.prefix(200)))"
                    for reply in replies {
                        if let error = reply.error {
                            #expect(error != "org.varlink.service.InternalError", "\(shown) answered InternalError")
                            #expect(throws: Never.self, "\(shown)") { try interface.validateError(name: error, parameters: reply.parameters) }
                        } else {
                            #expect(throws: Never.self, "\(shown)") { try interface.validateOutput(method: method.name, parameters: reply.parameters) }
                        }
                    }
                }
            }
        }
        #expect(calls > 500)
    }

    /// An integer that reached the daemon as a double it cannot tell from its neighbours
    /// (-9223372036854775809 reads as -2^63, 1e18 is past 2^53, 9007199254740993.0 reads as 2^53)
    /// is refused as the wrong type,
    /// never used rounded: `InvalidParameter` naming it, for every integer parameter.
    @Test func integersADoubleCannotHoldExactlyAreRefused() async throws {
        let fixture = try await ServiceFixture()
        let roles = RegistryService.methodRoles
        var checked = 0
        for interface in RegistryInterfaces.all {
            for method in interface.methods where method.name != "WatchChanges" {
                let name = "\(interface.name).\(method.name)"
                let peer = try Self.peer(allowed: #require(roles[name]))
                for field in method.input where field.type == .int || field.type == .optional(.int) {
                    for value: JSONValue in [.double(-0x1p63), .double(1e18), .double(0x1p53), .double(-0x1p53)] {
                        var parameters = Self.object(method.input, in: interface)
                        parameters[field.name] = value
                        let replies = await fixture.dispatcher.collectReplies(
                            to: VarlinkCall(method: name, parameters: parameters, more: true),
                            context: VarlinkCallContext(credentials: peer, connectionID: 1))
                        #expect(replies.first?.error == "org.varlink.service.InvalidParameter", "\(name).\(field.name) = \(value)")
                        #expect(replies.first?.parameters["parameter"] == .string(field.name), "\(name).\(field.name) = \(value)")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 20)
    }

    /// The README's rule for empty lists: a list that says what to do may not be empty
    /// (`InvalidArgument`, "is empty"); one that sets a state or narrows a run may.
    @Test func listsThatSayWhatToDoMustNotBeEmpty() async throws {
        let fixture = try await ServiceFixture()
        let roles = RegistryService.methodRoles
        func reply(_ method: String, _ parameters: [String: JSONValue]) async throws -> VarlinkReply? {
            let peer = try Self.peer(allowed: #require(roles[method]))
            return await fixture.dispatcher.collectReplies(
                to: VarlinkCall(method: method, parameters: parameters, more: method.hasSuffix("GetGrades") || method.hasSuffix("WatchChanges")),
                context: VarlinkCallContext(credentials: peer, connectionID: 1)
            ).first
        }
        let refused: [(String, [String: JSONValue], String)] = [
            ("org.qcredit.query.GetGrades", ["codes": []], "codes"),
            ("org.qcredit.query.WatchChanges", ["codes": []], "codes"),
            ("org.qcredit.admin.RecordEvents", ["events": []], "events"),
            ("org.qcredit.admin.ImportEvents", ["events": []], "events"),
            ("org.qcredit.admin.RegisterEnterprises", ["enterprises": []], "enterprises"),
        ]
        for (method, parameters, list) in refused {
            let answer = try await reply(method, parameters)
            #expect(answer?.error == "org.qcredit.\(method.split(separator: ".")[2]).InvalidArgument", "\(method): \(String(describing: answer))")
            #expect(answer?.parameters["parameter"] == .string(list), "\(method): \(String(describing: answer))")
            #expect(answer?.parameters["reason"] == "is empty", "\(method): \(String(describing: answer))")
        }
        for (method, parameters) in [
            ("org.qcredit.query.SetWatchList", ["name": "empty", "codes": []]), ("org.qcredit.admin.PublishGrades", ["codes": []]),
        ] as [(String, [String: JSONValue])] {
            let answer = try await reply(method, parameters)
            #expect(answer?.error == nil, "\(method): \(String(describing: answer))")
        }
    }

    /// A peer holding one of the roles a method allows.
    static func peer(allowed: Set<Role>) -> VarlinkPeerCredentials {
        [
            (Role.regulator, ServiceFixture.regulator), (.operator, ServiceFixture.operator), (.auditor, ServiceFixture.auditor),
            (.bank, ServiceFixture.bank),
        ].first { allowed.contains($0.0) }!.1
    }
}
