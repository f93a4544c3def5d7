import CanonicalJSON
import QCreditDomain
import QCreditLog
import QCreditRegistry
import Varlink

/// One method of the registry's interfaces: the roles that may call it and what it does.
struct RegistryMethod: Sendable {
    typealias Run = @Sendable (Registry, RegistryCall) async throws -> Void

    let name: String
    let roles: Set<Role>
    let run: Run

    init(_ name: String, roles: Set<Role>, _ run: @escaping Run) {
        self.name = name
        self.roles = roles
        self.run = run
    }
}

/// A call as a method sees it: its parameters, who made it (for the audit trail), which
/// records that caller may see, and where replies go.
struct RegistryCall: Sendable {
    let call: VarlinkCall
    /// The verifiable log, for audit methods and evidence.
    let log: TransparencyLogService
    /// The running daemon, for operator methods.
    let operations: OperationsContext
    let parameters: Parameters
    let caller: Caller
    let roles: Set<Role>
    let replies: VarlinkReplyWriter
    /// What `GetGrade` answers from memory, for methods that answer many grades at once.
    var gradeIndex: GradeAnswerIndex? = nil

    var view: RecordView { RecordView.seenBy(roles) }

    func reply(_ parameters: [String: JSONValue]) async throws {
        try await replies.reply(parameters)
    }
}

