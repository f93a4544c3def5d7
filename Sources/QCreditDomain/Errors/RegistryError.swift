/// Every way a registry operation can be refused, with the facts a caller needs to correct it.
///
/// The service layer turns each case into a typed varlink error with the same parameters, so
/// a bank's loan system or a regulator's script can branch on the name and show the reason.
///
/// ```swift
/// do { try registry.confirmListing(id, …) }
/// catch RegistryError.invalidState(let listingId, let state, let action, let reason) {
///     print("listing \(listingId) is \(state): cannot \(action): \(reason)")
/// }
/// ```
public enum RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The code is not a valid USCC or organization code (see ``CodeError``).
    case invalidCode(CodeError)
    /// No credit file is registered under this (valid) code.
    case notFound(code: String)
    /// The enterprise has no published grade and no listing: nothing to give evidence of.
    case notGraded(code: String)
    /// A credit file already holds this code.
    case alreadyRegistered(code: String)
    case listingNotFound(listingId: Int64)
    case eventNotFound(eventId: Int64)
    /// The listing's current state does not allow the action.
    case invalidState(listingId: Int64, state: String, action: String, reason: String)
    /// A parameter is well-typed but its value is unacceptable (unknown list type, date in the
    /// future, empty document number, …). `parameter` is a path such as `events[3].occurredOn`.
    case invalidArgument(parameter: String, reason: String)
    /// A publication record would exceed the log's 64 KiB leaf limit.
    case recordTooLarge(size: Int, limit: Int)
    /// Credit repair is not (yet) allowed for the listing: `rule` cites the policy, `eligibleOn`
    /// is the first day an application can be made, when there is one.
    case repairNotEligible(listingId: Int64, rule: String, eligibleOn: CivilDate?, reason: String)
    case repairApplicationNotFound(applicationId: Int64)
    /// The caller has no watch list of this name (another peer's lists are not the caller's to
    /// read or use, and are answered the same way).
    case watchListNotFound(name: String)
    /// The change would take a watch list beyond the most codes a list may hold.
    case watchListTooLarge(name: String, size: Int, limit: Int)
    /// `waiting` changes of the caller's watch lists wait for their turn already, the most that
    /// may (each holds its codes meanwhile); send the next once one is answered.
    case watchListChangesQueued(waiting: Int, limit: Int)

    public var description: String {
        switch self {
        case .invalidCode(let error): return error.description
        case .notFound(let code): return "no credit file is registered under \(code)"
        case .alreadyRegistered(let code): return "a credit file is already registered under \(code)"
        case .notGraded(let code): return "\(code) has no published grade and no listing"
        case .listingNotFound(let id): return "no listing \(id)"
        case .eventNotFound(let id): return "no quality event \(id)"
        case .invalidState(let id, let state, let action, let reason):
            return "listing \(id) is \(state): cannot \(action): \(reason)"
        case .invalidArgument(let parameter, let reason): return "\(parameter): \(reason)"
        case .recordTooLarge(let size, let limit):
            return "publication record of \(size) bytes exceeds the limit of \(limit) bytes"
        case .repairNotEligible(let id, let rule, let eligibleOn, let reason):
            return "listing \(id) is not eligible for credit repair: \(reason) (\(rule))"
                + (eligibleOn.map { "; eligible from \($0)" } ?? "")
        case .repairApplicationNotFound(let id): return "no credit-repair application \(id)"
        case .watchListNotFound(let name): return "you have no watch list named '\(name)'"
        case .watchListTooLarge(let name, let size, let limit):
            return "with watch list '\(name)' your lists would hold \(size) codes in all; a bank's lists hold at most \(limit)"
        case .watchListChangesQueued(let waiting, let limit):
            return "\(waiting) changes of your watch lists are waiting for their turn (at most \(limit) may); "
                + "send the next once one is answered"
        }
    }

    /// What is wrong, without restating the code or listing the caller already has in hand.
    public var reason: String {
        switch self {
        case .invalidCode(let error): return error.reason
        default: return description
        }
    }

    /// The same error with its parameter path placed under `prefix`, for batch calls:
    /// `occurredOn` in the fourth event becomes `events[3].occurredOn`.
    public func within(_ prefix: String) -> RegistryError {
        switch self {
        case .invalidArgument(let parameter, let reason):
            return .invalidArgument(parameter: "\(prefix).\(parameter)", reason: reason)
        case .invalidCode(var error):
            // An invalid code among many says which one, in its reason.
            error.location = error.location.map { "\(prefix).\($0)" } ?? prefix
            return .invalidCode(error)
        default:
            return self
        }
    }
}
