import CanonicalJSON
import QCreditCrypto
import QCreditDomain
import QCreditRegistry
import Varlink

/// The batch methods of `org.qcredit.admin` that file imports use: each row is applied or
/// refused on its own, and a batch sent under an import id is applied once.
enum ImportMethods {
    static let all: [RegistryMethod] = [
        AdminMethods.method("RegisterEnterprises") { registry, call in
            let requests = try call.parameters.objects("enterprises").map { p throws(VarlinkError) in
                RegistrationRequest(
                    code: try p.string("code"), name: try p.string("name"), divisionCode: try p.optionalString("divisionCode"),
                    entityType: try p.optionalString("entityType"),
                    admitWrongCheckCharacter: try p.optionalBool("admitWrongCheckCharacter") ?? false)
            }
            // An import sends batch after batch: their rows' memory is handed back to the system.
            defer { FreeMemoryRelease.shared.afterCall(carrying: requests.count) }
            let outcome = try await registry.registerEnterprises(
                requests, place: try place(call.parameters, rows: "enterprises", members: enterpriseMembers), naming: errorName, by: call.caller)
            try await call.reply(reply(outcome))
        },
        AdminMethods.method("ImportEvents") { registry, call in
            let events = try call.parameters.objects("events").map { p throws(VarlinkError) in try AdminMethods.event(p) }
            defer { FreeMemoryRelease.shared.afterCall(carrying: events.count) }
            let outcome = try await registry.importEvents(
                events, place: try place(call.parameters, rows: "events", members: NewEvent.requiredMembers + NewEvent.optionalMembers), naming: errorName, by: call.caller)
            try await call.reply(reply(outcome))
        },
    ]

    /// The error's qualified name, as GetGrades names a refused code's error.
    @Sendable static func errorName(_ error: RegistryError) -> String {
        error.varlinkError(in: RegistryInterfaces.admin).name
    }

    /// NewEnterprise's members, in the interface's order.
    static let enterpriseMembers = ["code", "name", "divisionCode", "entityType", "admitWrongCheckCharacter"]

    /// The batch's place in its import: all of importId, firstLine and lastLine, or none; with
    /// the digest of the rows (parameter `rows`) as sent.
    static func place(_ parameters: Parameters, rows: String, members: [String]) throws -> ImportBatchPlace? {
        let importId = try parameters.optionalString("importId")
        let firstLine = try parameters.optionalInt("firstLine")
        let lastLine = try parameters.optionalInt("lastLine")
        switch (importId, firstLine, lastLine) {
        case (nil, nil, nil): return nil
        case (let importId?, let firstLine?, let lastLine?):
            let digest = rowsDigest(parameters.values[rows]?.arrayValue ?? [], members: members)
            return ImportBatchPlace(importId: importId, firstLine: firstLine, lastLine: lastLine, rowsDigest: digest)
        default:
            throw RegistryError.invalidArgument(parameter: "importId", reason: "give importId, firstLine and lastLine together")
        }
    }

    /// SHA-256 over each row's members in a fixed order, each value's JSON text after its
    /// length: the same rows give the same digest, however their keys were ordered, without
    /// sorting every row's keys (the interface check has refused members outside `members`).
    static func rowsDigest(_ rows: [JSONValue], members: [String]) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(rows.count * 256)
        // Each value is written once into a reused buffer (not into an array of its own), then
        // copied after its length: a tenth of an events import's CPU went to these digests.
        var value: [UInt8] = []
        value.reserveCapacity(256)
        for row in rows {
            let object = row.objectValue ?? [:]
            for member in members {
                value.removeAll(keepingCapacity: true)
                (object[member] ?? .null).encode(into: &value)
                JSONValue.appendDecimal(UInt64(value.count), to: &text)
                text.append(UInt8(ascii: ":"))
                text.append(contentsOf: value)
            }
        }
        return Digest.sha256(text)
    }

    static func reply(_ outcome: BatchOutcome) -> [String: JSONValue] {
        [
            "imported": .int(Int64(outcome.imported)), "alreadyApplied": .bool(outcome.alreadyApplied),
            "rejected": .array(
                outcome.rejections.map {
                    ["row": .int(Int64($0.row)), "error": .string($0.error), "reason": .string($0.reason)]
                }),
        ]
    }
}
