import CanonicalJSON
import QCreditDomain
import QCreditLog
import QCreditStore
import Varlink

/// A call whose writes the disk refused (full, read-only, failing): `StorageFailed`, declared by
/// every interface, instead of an `InternalError` that a client cannot tell from a defect.
enum StorageFailure {
    /// Why, when `error` is such a failure: the database's (at `databasePath`), or a signed
    /// checkpoint's file's.
    static func reason(_ error: any Error, databasePath: String) -> String? {
        if let reason = StoreError.storageFailure(error, databasePath: databasePath) { return reason }
        switch error {
        case let error as DurableFileError: return error.description
        case let error as CheckpointHistoryError: return error.description
        default: return nil
        }
    }

    /// A call's write the disk refused, as `GetStatus` lists it among the problems.
    struct Refused: Error, CustomStringConvertible {
        let method: String
        let reason: String
        var description: String { "\(method): \(reason)" }
    }

    static func varlinkError(_ reason: String, in interface: String) -> VarlinkError {
        VarlinkError(name: "\(interface).StorageFailed", parameters: ["reason": .string(reason)])
    }
}

extension RegistryError {
    /// The typed error of `interface` (`org.qcredit.query` or `.admin`) with the parameters its
    /// interface file declares.
    func varlinkError(in interface: String) -> VarlinkError {
        let (name, parameters): (String, [String: JSONValue])
        switch self {
        case .invalidCode(let error):
            (name, parameters) = (
                "InvalidCode",
                [
                    "code": .string(error.code), "reason": .string(error.reason), "kind": .string(error.kind.rawValue),
                    "position": JSONValue(error.position), "expected": JSONValue(error.expected),
                    "found": JSONValue(error.found),
                ]
            )
        case .notFound(let code): (name, parameters) = ("NotFound", ["code": .string(code)])
        case .alreadyRegistered(let code): (name, parameters) = ("AlreadyRegistered", ["code": .string(code)])
        case .notGraded(let code): (name, parameters) = ("NotGraded", ["code": .string(code)])
        case .listingNotFound(let id): (name, parameters) = ("ListingNotFound", ["listingId": .int(id)])
        case .eventNotFound(let id): (name, parameters) = ("EventNotFound", ["eventId": .int(id)])
        case .invalidState(let listingId, let state, let action, let reason):
            (name, parameters) = (
                "InvalidState",
                [
                    "listingId": .int(listingId), "state": .string(state), "action": .string(action),
                    "reason": .string(reason),
                ]
            )
        case .invalidArgument(let parameter, let reason):
            (name, parameters) = ("InvalidArgument", ["parameter": .string(parameter), "reason": .string(reason)])
        case .recordTooLarge(let size, let limit):
            (name, parameters) = ("RecordTooLarge", ["size": .int(Int64(size)), "limit": .int(Int64(limit))])
        case .repairNotEligible(let listingId, let rule, let eligibleOn, let reason):
            (name, parameters) = (
                "RepairNotEligible",
                [
                    "listingId": .int(listingId), "rule": .string(rule), "eligibleOn": JSONValue(eligibleOn?.description),
                    "reason": .string(reason),
                ]
            )
        case .repairApplicationNotFound(let id): (name, parameters) = ("RepairApplicationNotFound", ["applicationId": .int(id)])
        case .watchListNotFound(let list): (name, parameters) = ("WatchListNotFound", ["name": .string(list)])
        case .watchListTooLarge(let list, let size, let limit):
            (name, parameters) = (
                "WatchListTooLarge", ["name": .string(list), "size": .int(Int64(size)), "limit": .int(Int64(limit))]
            )
        case .watchListChangesQueued(let waiting, let limit):
            (name, parameters) = ("WatchListChangesQueued", ["waiting": .int(Int64(waiting)), "limit": .int(Int64(limit))])
        }
        return VarlinkError(name: "\(interface).\(name)", parameters: parameters.filter { !$0.value.isNull })
    }

}

extension LogError {
    /// The typed error of `org.qcredit.audit` (or of the query interface, for evidence: a record
    /// that no longer matches the log), or nil when the error means the log cannot be signed or
    /// served at all: that is not the caller's to handle, and is logged and answered as
    /// `InternalError`.
    func varlinkError(in interface: String) -> VarlinkError? {
        switch self {
        case .sizeBeyondTree(let requested, let treeSize):
            return VarlinkError(
                name: "\(RegistryInterfaces.audit).SizeBeyondTree", parameters: ["requested": .int(requested), "treeSize": .int(treeSize)])
        case .invalidRange(let reason):
            return VarlinkError(name: "\(RegistryInterfaces.audit).InvalidRange", parameters: ["reason": .string(reason)])
        case .noCheckpoint, .noSigningKeys:
            return VarlinkError(name: "\(RegistryInterfaces.audit).NoCheckpoint")
        case .recordDoesNotMatchLog(let index):
            // Only evidence (org.qcredit.query.GetEvidence) checks a record against the log.
            guard interface == RegistryInterfaces.query else { return nil }
            return VarlinkError(name: "\(interface).RecordDoesNotMatchLog", parameters: ["logIndex": .int(index)])
        case .logDoesNotExtendCheckpoint, .logBehindSignedTree, .databaseMissing:
            return nil
        }
    }
}
