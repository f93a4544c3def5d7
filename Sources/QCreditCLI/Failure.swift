import CanonicalJSON
import Glibc
import NIOCore
import QCreditDomain
import Varlink
import VarlinkNIO

/// The exit statuses of `qcredit`, one per class of failure, so scripts can tell a refusal
/// from a typo from a daemon that is down.
enum ExitStatus: Int32, Sendable {
    case success = 0
    /// The registry refused the request (a varlink error), or a code was invalid.
    case refused = 1
    /// Bad arguments or options, or local input that cannot be read or parsed.
    case usage = 2
    /// The daemon cannot be reached, or the connection to it failed.
    case unreachable = 3
    /// A signature, proof or digest did not check out (verify-proof, audit).
    case verificationFailed = 4
    /// A restore was put in place, but the log does not reach the newest tree it signed yet.
    case incomplete = 5
}

/// Why a command failed, classified by what the user can do about it.
enum Failure: Error, Sendable {
    /// The daemon answered with a varlink error; `at` names the input line it is about.
    case refused(VarlinkError, at: String? = nil)
    /// No connection could be made to the socket.
    case unreachable(socket: String, reason: String)
    /// The connection broke or the daemon sent something that is not varlink.
    case connectionLost(socket: String, reason: String)
    /// A code failed local validation (`check-code`).
    case invalidCode(CodeError)
    /// Local input is unusable: an unreadable file, a malformed line.
    case badInput(String)
    /// A code file holds a code no registry could hold (`watchlist set`): local input, so a usage
    /// error, said as the registry's `InvalidCode` with the file and line in `input`.
    case invalidCodeInInput(CodeError, file: String, line: Int)
    /// A check of the log failed: a signature, a proof, a root, a record's canonical form.
    case verification(String)
    /// What was asked for is not given to this caller (a record not disclosed to it), or not yet.
    case withheld(String)
    /// Anything else: a defect rather than a condition the user can act on.
    case unexpected(String)

    /// Classifies any error thrown while talking to the daemon at `socket`.
    init(_ error: any Error, socket: String) {
        switch error {
        case let failure as Failure: self = failure
        case let error as VarlinkError: self = .refused(error)
        // The client's own failures and NIO's channel and socket errors all mean the
        // connection, not the request, went wrong.
        case let error as IOError:
            // NIO's description nests the failed call's signature in parentheses; the errno's
            // text is what a reader needs.
            self = .connectionLost(socket: socket, reason: systemErrorText(error.errnoCode))
        case is VarlinkClientError, is ChannelError:
            self = .connectionLost(socket: socket, reason: "\(error)")
        default: self = .unexpected("\(error)")
        }
    }

    var exitStatus: ExitStatus {
        switch self {
        case .refused, .invalidCode, .withheld, .unexpected: return .refused
        case .unreachable, .connectionLost: return .unreachable
        case .badInput, .invalidCodeInInput: return .usage
        case .verification: return .verificationFailed
        }
    }

    /// The one line printed on stderr.
    var message: String {
        switch self {
        case .refused(let error, let location):
            return Self.message(for: error) + (location.map { " (\($0))" } ?? "")
        case .unreachable(let socket, let reason) where reason == systemErrorText(EACCES):
            // The socket is there; the user is not among those who may open it. Its actual group
            // is named (a development daemon's is its user's own, not qcredit-clients).
            var status = stat()
            let group = stat(socket, &status) == 0 ? getgrgid(status.st_gid).map { String(cString: $0.pointee.gr_name) } ?? "\(status.st_gid)" : nil
            return "cannot connect to qcreditd at \(socket): \(reason); your user may not open the socket: the daemon lets "
                + "the members of its socket group connect (\(group.map { "here \($0)" } ?? "qcredit-clients when installed with Scripts/install")): "
                + "ask for membership, then log in again (a development daemon, started without --config, gives no role to "
                + "anyone but its own user)"
        case .unreachable(let socket, let reason):
            if let notASocket = Self.notASocket(socket) {
                return "cannot connect to qcreditd at \(socket): \(notASocket); set --socket or QCREDIT_SOCKET"
            }
            return "cannot connect to qcreditd at \(socket): \(reason); is it running? set --socket or QCREDIT_SOCKET"
        case .connectionLost(let socket, let reason):
            return "lost the connection to qcreditd at \(socket): \(reason)"
        case .invalidCode(let error):
            return "InvalidCode: \(error.code.isEmpty ? "(empty)" : error.code): \(error.reason)"
        case .badInput(let message):
            return message
        case .invalidCodeInInput(let error, let file, let line):
            return "\(file), line \(line): \(error.description); nothing was sent"
        case .verification(let message):
            return "verification failed: \(message)"
        case .withheld(let message):
            return message
        case .unexpected(let description):
            return "unexpected failure: \(description)"
        }
    }

    /// What `--json` prints on stderr: `{"error": name, "parameters": {...}}`, with the same
    /// names and parameters as the daemon's errors where there is one.
    var json: JSONValue {
        switch self {
        case .refused(let error, let location):
            var report: [String: JSONValue] = ["error": .string(error.name), "parameters": .object(error.parameters)]
            if let location { report["input"] = .string(location) }
            return .object(report)
        case .unreachable(let socket, let reason):
            let reason = Self.notASocket(socket) ?? reason
            return ["error": "ConnectionFailed", "parameters": ["socket": .string(socket), "reason": .string(reason)]]
        case .connectionLost(let socket, let reason):
            return ["error": "ConnectionLost", "parameters": ["socket": .string(socket), "reason": .string(reason)]]
        case .invalidCode(let error):
            return ["error": "org.qcredit.query.InvalidCode", "parameters": .object(Self.parameters(of: error))]
        case .badInput(let message):
            return ["error": "BadInput", "parameters": ["message": .string(message)]]
        case .invalidCodeInInput(let error, let file, let line):
            return [
                "error": "org.qcredit.query.InvalidCode", "parameters": .object(Self.parameters(of: error)), "input": .string("\(file):\(line)"),
            ]
        case .verification(let message):
            return ["error": "VerificationFailed", "parameters": ["message": .string(message)]]
        case .withheld(let message):
            return ["error": "Withheld", "parameters": ["message": .string(message)]]
        case .unexpected(let description):
            return ["error": "Unexpected", "parameters": ["description": .string(description)]]
        }
    }

    /// "it is a file, not a socket" (or a directory) when something other than a socket stands
    /// at `socket`: connecting to it is refused too, which would suggest a daemon that is down.
    static func notASocket(_ socket: String) -> String? {
        var status = stat()
        guard stat(socket, &status) == 0, status.st_mode & S_IFMT != S_IFSOCK else { return nil }
        return "it is \(status.st_mode & S_IFMT == S_IFDIR ? "a directory" : "a file"), not a socket"
    }

    /// The parameters of `InvalidCode` as the interface files declare them (nulls left out,
    /// as the daemon does).
    static func parameters(of error: CodeError) -> [String: JSONValue] {
        let parameters: [String: JSONValue] = [
            "code": .string(error.code), "reason": .string(error.reason), "kind": .string(error.kind.rawValue),
            "position": JSONValue(error.position), "expected": JSONValue(error.expected), "found": JSONValue(error.found),
        ]
        return parameters.filter { !$0.value.isNull }
    }

    /// A varlink error as a sentence: its short name, then what its parameters say.
    ///
    /// ```
    /// InvalidCode: 911522010783762861: check character at position 18 should be '0', found '1'
    /// PermissionDenied: org.qcredit.admin.RegisterEnterprise requires regulator
    /// InvalidState: listing 3 is listed: cannot confirm: it is already listed
    /// ```
    static func message(for error: VarlinkError) -> String {
        let name = Render.shortName(error.name)
        let p = error.parameters
        func string(_ key: String) -> String { p[key]?.stringValue ?? p[key]?.intValue.map(String.init) ?? "?" }
        let detail: String
        switch name {
        case "InvalidCode":
            // As `check-code` says it for an empty code.
            detail = "\(p["code"]?.stringValue == "" ? "(empty)" : string("code")): \(string("reason"))"
        case "NotFound":
            detail = "no credit file is registered under \(string("code"))"
        case "AlreadyRegistered":
            detail = "a credit file is already registered under \(string("code"))"
        case "ListingNotFound":
            detail = "no listing \(string("listingId"))"
        case "EventNotFound":
            detail = "no quality event \(string("eventId"))"
        case "InvalidState":
            detail = "listing \(string("listingId")) is \(string("state")): cannot \(string("action")): \(string("reason"))"
        case "InvalidArgument":
            detail = "\(string("parameter")): \(string("reason"))"
        case "RepairNotEligible":
            detail = "listing \(string("listingId")): \(string("reason")) (\(string("rule")))"
                + (p["eligibleOn"]?.stringValue.map { "; eligible from \($0)" } ?? "")
        case "RepairApplicationNotFound":
            detail = "no credit-repair application \(string("applicationId"))"
        case "RecordTooLarge":
            detail = "publication record of \(string("size")) bytes exceeds the limit of \(string("limit")) bytes"
        case "PermissionDenied" where p["method"] != nil:
            let roles = Render.strings(p["roles"])
            detail = "\(string("method")) requires \(roles.isEmpty ? "a role you do not hold" : roles.joined(separator: " or "))"
        case "PermissionDenied":
            detail = "the daemon refused the call"
        case "MethodNotFound", "MethodNotImplemented":
            detail = "the daemon has no method \(string("method"))"
        case "InterfaceNotFound":
            detail = "the daemon has no interface \(string("interface"))"
        case "InvalidParameter":
            detail = "parameter \(string("parameter")) is missing or has the wrong type"
        case "ExpectedMore":
            detail = "the method streams its replies; call it with --more"
        case "NotGraded":
            detail = "\(string("code")) has no published grade yet"
        case "WatchListNotFound":
            detail = "you have no watch list named \(string("name"))"
        case "WatchListTooLarge":
            detail = "watch list \(string("name")) would hold \(string("size")) codes; the limit is \(string("limit"))"
        case "SizeBeyondTree":
            detail = "a tree of \(string("requested")) records was asked for; the log holds \(string("treeSize"))"
        case "InvalidRange", "ExportFailed", "BackupFailed", "StorageFailed":
            detail = string("reason")
        case "RecordDoesNotMatchLog":
            detail = "the registry's record \(string("logIndex")) no longer matches its signed log (the database was altered); "
                + "the evidence is withheld and the daemon's log says so"
        case "NoCheckpoint":
            detail = "the log has not signed a checkpoint yet"
        case "InternalError":
            detail = "the daemon failed to answer; its log says why"
        default:
            detail = p.isEmpty ? "" : JSONValue.object(p).jsonText
        }
        return detail.isEmpty ? name : "\(name): \(detail)"
    }
}
