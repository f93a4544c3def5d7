import CanonicalJSON
import QCreditDomain
import QCreditRegistry
import Varlink

/// `org.qcredit.admin`: what regulators (and, for maintenance, operators) change.
enum AdminMethods {
    static func method(_ name: String, roles: Set<Role> = [.regulator], _ run: @escaping RegistryMethod.Run)
        -> RegistryMethod
    {
        RegistryMethod("\(RegistryInterfaces.admin).\(name)", roles: roles, run)
    }

    /// Replies with the listing as `org.qcredit.admin.Listing`.
    static func replyListing(_ listing: Listing, _ registry: Registry, _ call: RegistryCall) async throws {
        let enterprise = try await registry.enterprise(id: listing.enterpriseId)
        try await call.reply(["listing": WireEncoding.listing(listing, enterprise: enterprise)])
    }

    /// After a decision that ends a disclosure (a repair, a revocation, an event's correction), before the reply: no
    /// public export may still publish what the public may no longer see. The decision is
    /// committed whatever happens here; an export that could not be withdrawn now is withdrawn
    /// by the next maintenance tick or export.
    static func withdrawUndisclosedExports(_ call: RegistryCall) async {
        _ = try? await call.operations.exports.withdrawUndisclosed()  // a failure is logged there
    }

    static func event(_ parameters: Parameters) throws(VarlinkError) -> NewEvent {
        do {
            return try NewEvent(json: parameters.values)
        } catch {
            throw .invalidParameter(error.member)
        }
    }

    static let all: [RegistryMethod] = [
        method("RegisterEnterprise") { registry, call in
            let p = call.parameters
            let enterprise = try await registry.register(
                RegistrationRequest(
                    code: try p.string("code"), name: try p.string("name"), divisionCode: try p.optionalString("divisionCode"),
                    entityType: try p.optionalString("entityType"),
                    admitWrongCheckCharacter: try p.optionalBool("admitWrongCheckCharacter") ?? false),
                by: call.caller)
            try await call.reply(["enterprise": WireEncoding.enterprise(enterprise)])
        },
        method("UpdateEnterprise") { registry, call in
            let p = call.parameters
            let enterprise = try await registry.updateEnterprise(
                EnterpriseUpdate(
                    code: try p.string("code"), name: try p.optionalString("name"), status: try p.optionalString("status"),
                    effectiveOn: try p.optionalString("effectiveOn"), reason: try p.string("reason"),
                    documentNumber: try p.optionalString("documentNumber")),
                by: call.caller)
            try await call.reply(["enterprise": WireEncoding.enterprise(enterprise)])
        },
        method("RecordEvent") { registry, call in
            let id = try await registry.recordEvent(try event(call.parameters), by: call.caller)
            try await call.reply(["eventId": .int(id)])
        },
        method("RecordEvents") { registry, call in
            let events = try call.parameters.objects("events").map { parameters throws(VarlinkError) in try event(parameters) }
            let ids = try await registry.recordEvents(events, by: call.caller)
            try await call.reply(["eventIds": .array(ids.map { .int($0) })])
        },
        method("CorrectEvent") { registry, call in
            let p = call.parameters
            let replacement = try p.optionalObject("event").map { parameters throws(VarlinkError) in try event(parameters) }
            let id = try await registry.correctEvent(
                eventId: try p.int("eventId"), replacement: replacement, reason: try p.string("reason"), by: call.caller)
            // The grades that named the event are no longer disclosed, nor the exports that opened them.
            await withdrawUndisclosedExports(call)
            try await call.reply(["eventId": .int(id)])
        },
        method("ProposeListing") { registry, call in
            let p = call.parameters
            let listing = try await registry.proposeListing(
                ListingProposal(
                    code: try p.string("code"), listType: try p.string("listType"), reason: try p.string("reason"),
                    legalBasis: try p.string("legalBasis"), authority: try p.string("authority"),
                    documentNumber: try p.string("documentNumber"), decisionDate: try p.string("decisionDate")),
                by: call.caller)
            try await replyListing(listing, registry, call)
        },
        method("FileObjection") { registry, call in
            let p = call.parameters
            let listing = try await registry.fileObjection(
                listingId: try p.int("listingId"), filedOn: try p.optionalString("filedOn"), summary: try p.string("summary"),
                by: call.caller)
            try await replyListing(listing, registry, call)
        },
        method("ResolveObjection") { registry, call in
            let p = call.parameters
            let listing = try await registry.resolveObjection(
                listingId: try p.int("listingId"), outcome: try p.string("outcome"),
                resolvedOn: try p.optionalString("resolvedOn"), authority: try p.string("authority"),
                documentNumber: try p.string("documentNumber"), summary: try p.optionalString("summary"), by: call.caller)
            // An objection upheld against a listed entry revokes it, which ends its disclosure at once.
            if listing.state == .removed { await withdrawUndisclosedExports(call) }
            try await replyListing(listing, registry, call)
        },
        method("ConfirmListing") { registry, call in
            let p = call.parameters
            let listing = try await registry.confirmListing(
                listingId: try p.int("listingId"), publicationDate: try p.optionalString("publicationDate"),
                authority: try p.optionalString("authority"), documentNumber: try p.optionalString("documentNumber"),
                by: call.caller)
            try await replyListing(listing, registry, call)
        },
        method("WithdrawListing") { registry, call in
            let p = call.parameters
            let listing = try await registry.withdrawListing(
                listingId: try p.int("listingId"), reason: try p.string("reason"),
                withdrawnOn: try p.optionalString("withdrawnOn"), documentNumber: try p.optionalString("documentNumber"),
                by: call.caller)
            try await replyListing(listing, registry, call)
        },
        method("RemoveListing") { registry, call in
            let p = call.parameters
            let listing = try await registry.removeListing(
                listingId: try p.int("listingId"), reason: try p.string("reason"), removedOn: try p.optionalString("removedOn"),
                authority: try p.string("authority"), documentNumber: try p.string("documentNumber"),
                explanation: try p.optionalString("explanation"), by: call.caller)
            await withdrawUndisclosedExports(call)
            try await replyListing(listing, registry, call)
        },
        method("ApplyForRepair") { registry, call in
            let p = call.parameters
            let application = try await registry.applyForRepair(
                RepairApplicationRequest(
                    listingId: try p.int("listingId"), appliedOn: try p.optionalString("appliedOn"),
                    commitmentLetterSHA256: try p.string("commitmentLetterSha256"),
                    penaltyFulfilment: try p.string("penaltyFulfilment"), applicantContact: try p.string("applicantContact")),
                by: call.caller)
            try await call.reply(["application": WireEncoding.repairApplication(application, today: registry.today)])
        },
        method("DecideRepair") { registry, call in
            let p = call.parameters
            let (application, listing) = try await registry.decideRepair(
                applicationId: try p.int("applicationId"), decision: try p.string("decision"), reason: try p.string("reason"),
                documentNumber: try p.string("documentNumber"), decidedOn: try p.optionalString("decidedOn"),
                authority: try p.optionalString("authority"), by: call.caller)
            await withdrawUndisclosedExports(call)
            let enterprise = try await registry.enterprise(id: listing.enterpriseId)
            try await call.reply([
                "application": WireEncoding.repairApplication(application, today: registry.today),
                "listing": WireEncoding.listing(listing, enterprise: enterprise),
            ])
        },
        method("ListRepairApplications") { registry, call in
            let applications = try await registry.repairApplications(pendingOnly: try call.parameters.optionalBool("pendingOnly") ?? false)
            let today = registry.today
            try await call.reply(["applications": .array(applications.map { WireEncoding.repairApplication($0, today: today) })])
        },
        method("OverrideGrade") { registry, call in
            let p = call.parameters
            let view = try await registry.overrideGrade(
                code: try p.string("code"), grade: try p.string("grade"), reason: try p.string("reason"),
                documentNumber: try p.string("documentNumber"), until: try p.optionalString("until"), by: call.caller)
            try await call.reply(["grade": WireEncoding.grade(view)])
        },
        method("PublishGrades") { registry, call in
            let summary = try await registry.publishGrades(codes: try call.parameters.optionalStrings("codes"), by: call.caller)
            // A walk over every file decides and writes batch after batch: handed back after it.
            defer { FreeMemoryRelease.shared.afterCall(carrying: summary.published + summary.unchanged) }
            try await call.reply([
                "published": .int(Int64(summary.published)), "unchanged": .int(Int64(summary.unchanged)),
                "overridden": .int(Int64(summary.overridden)), "inactive": .int(Int64(summary.inactive)),
                "failed": .int(Int64(summary.failed)),
            ])
        },
    ]
}
