import CanonicalJSON
import Logging
import QCreditDomain
import QCreditLog
import QCreditRegistry
import QCreditStore
import Varlink

/// The registry served over varlink: checks the caller's roles on every call, runs the
/// method, and turns registry errors into the typed errors of the interface files.
///
/// ```swift
/// let service = RegistryService(registry: registry, roles: FixedRoles(otherwise: [.bank]))
/// let dispatcher = service.dispatcher(version: "1.0.0")
/// ```
public struct RegistryService: VarlinkHandler {
    public let registry: Registry
    public let log: TransparencyLogService
    public let operations: OperationsContext
    public let roles: any RoleResolving
    /// Answers `GetGrade` from memory on the event loop when it can; nil: always the normal path.
    public let gradeIndex: GradeAnswerIndex?
    let logger: Logger
    let methods: [String: RegistryMethod]
    private let refusalLog = LogThrottle<Refusal>()

    private enum Refusal { case permissionDenied }

    /// Logs how many `PermissionDenied` refusals a burst that has ended left out of the log.
    /// Call it about once a second.
    public func logLeftOutRefusals() {
        for (_, count) in refusalLog.leftOut() {
            logger.warning("permission denied", metadata: ["suppressed": "\(count)"])
        }
    }

    public init(
        registry: Registry, log: TransparencyLogService, operations: OperationsContext, roles: any RoleResolving,
        gradeIndex: GradeAnswerIndex? = nil, logger: Logger = Logger(label: "qcredit.service")
    ) {
        self.registry = registry
        self.gradeIndex = gradeIndex
        self.log = log
        self.operations = operations
        self.roles = roles
        self.logger = logger
        self.methods = Dictionary(uniqueKeysWithValues: Self.allMethods.map { ($0.name, $0) })
    }

    static let allMethods = QueryMethods.all + WatchMethods.all + AdminMethods.all + ImportMethods.all + AuditMethods.all + OperatorMethods.all

    /// The roles each method allows, for documentation and tests.
    public static var methodRoles: [String: Set<Role>] {
        Dictionary(uniqueKeysWithValues: allMethods.map { ($0.name, $0.roles) })
    }

    /// Every method the service implements.
    public static var methodNames: Set<String> { Set(methodRoles.keys) }

    /// A dispatcher serving `org.varlink.service` and the registry's interfaces through this
    /// service; unexpected failures are logged and answered as `InternalError`.
    /// Methods whose `more` calls never end by themselves (the change feed): the server closes
    /// them at once on shutdown (see `VarlinkServer.Configuration.endlessMethods`).
    public static let endlessMethods: Set<String> = ["org.qcredit.query.WatchChanges"]

    public func dispatcher(version: String) -> VarlinkDispatcher {
        let logger = self.logger
        return VarlinkDispatcher(
            info: VarlinkServiceInfo(
                vendor: "qcredit", product: "qcreditd", version: version, url: "https://qcredit.example"),
            interfaces: RegistryInterfaces.all, handler: self,
            mapError: { error, call in
                // A call whose peer hung up is cancelled: that is how a feed ends, not a failure
                // (and any peer could fill the log with it by opening and closing feeds). A batch
                // write whose client was killed half-way ends so too: SQLite's statement interrupted.
                if Interruption.isInterruption(error) {
                    logger.debug("call cancelled: the peer went away", metadata: ["method": "\(call.method)"])
                } else {
                    logger.error("call failed", metadata: ["method": "\(call.method)", "error": "\(error)"])
                }
                return .internalError()
            })
    }

    /// Refuses a peer whose roles do not include one the method allows, before its
    /// parameters are even looked at.
    public func authorize(_ call: VarlinkCall, context: VarlinkCallContext) async throws {
        guard let method = methods[call.method] else { throw VarlinkError.methodNotImplemented(call.method) }
        let credentials = context.credentials
        guard method.roles.isDisjoint(with: await roles.roles(for: credentials)) else { return }
        // Any peer that can open the socket can provoke this as fast as it can send.
        if let suppressed = refusalLog.admit(.permissionDenied) {
            var metadata: Logger.Metadata = [
                "method": "\(call.method)", "uid": "\(credentials.uid)", "gid": "\(credentials.gid)",
                "pid": "\(credentials.pid)",
            ]
            if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
            logger.warning("permission denied", metadata: metadata)
        }
        throw VarlinkError(
            name: "\(call.interfaceName).PermissionDenied",
            parameters: ["method": .string(call.method), "roles": .array(method.roles.sorted().map { .string($0.rawValue) })])
    }

    /// Allows at once a peer whose roles are known at once and include one the method allows;
    /// anything else (a refusal included, which is logged) is for ``authorize(_:context:)``.
    public func authorizeImmediately(_ call: VarlinkCall, context: VarlinkCallContext) -> Bool? {
        guard let method = methods[call.method], let held = roles.knownRoles(for: context.credentials),
            !method.roles.isDisjoint(with: held)
        else { return nil }
        return true
    }

    /// `GetGrade` from ``gradeIndex``, in the view the peer's roles give.
    public func answerImmediately(_ call: VarlinkCall, context: VarlinkCallContext) -> [UInt8]? {
        guard call.method == QueryMethods.getGrade, let gradeIndex, let code = call.parameters["code"]?.stringValue,
            let held = roles.knownRoles(for: context.credentials)
        else { return nil }
        return gradeIndex.answer(code: code, view: RecordView.seenBy(held))
    }

    /// `GetGrade` from ``gradeIndex`` for a call spelled as ``GetGradeFrame`` reads it, a code
    /// as the index holds it and a peer whose known roles allow the method: the same text as
    /// ``answerImmediately(_:context:)``, without parsing the call or the dispatcher's checks
    /// (a fixed spelling of the one method, a string parameter, the role checked here).
    public func answerFrameImmediately(
        _ frame: UnsafeRawBufferPointer, context: VarlinkCallContext, parameters: inout [UInt8]
    ) -> Bool {
        guard let gradeIndex, let code = GetGradeFrame.code(in: frame),
            let held = roles.knownRoles(for: context.credentials), !Self.getGradeRoles.isDisjoint(with: held)
        else { return false }
        return gradeIndex.answer(code: code, view: RecordView.seenBy(held), into: &parameters)
    }

    private static let getGradeRoles = methodRoles[QueryMethods.getGrade] ?? []

    /// Inclusion and consistency proofs, read on a thread meant for blocking (the server's
    /// blocking pool): one hand-off from the event loop and one back, instead of a task awaiting
    /// a reader queue. The replies and errors are the normal path's (``AuditMethods``).
    public func answerOffLoop(_ call: VarlinkCall, context: VarlinkCallContext) -> (@Sendable () -> VarlinkReply)? {
        guard let work = AuditMethods.proofOffLoop(call, log: log) else { return nil }
        let (logger, interface, method) = (self.logger, call.interfaceName, call.method)
        return {
            do {
                return VarlinkReply(parameters: try work())
            } catch let error as LogError {
                if let declared = error.varlinkError(in: interface) { return VarlinkReply(error: declared) }
                logger.error("call failed", metadata: ["method": "\(method)", "error": "\(error)"])
            } catch {
                logger.error("call failed", metadata: ["method": "\(method)", "error": "\(error)"])
            }
            return VarlinkReply(error: .internalError())
        }
    }

    public func handle(_ call: VarlinkCall, context: VarlinkCallContext, replies: VarlinkReplyWriter) async throws {
        guard let method = methods[call.method] else { throw VarlinkError.methodNotImplemented(call.method) }
        let credentials = context.credentials
        let caller = Caller(
            method: call.method,
            peer: AuditContext.Peer(uid: credentials.uid, gid: credentials.gid, pid: credentials.pid),
            parameters: .object(call.parameters))
        let registryCall = RegistryCall(
            call: call, log: log, operations: operations, parameters: Parameters(call.parameters), caller: caller,
            roles: await roles.roles(for: credentials), replies: replies, gradeIndex: gradeIndex)
        let committedBefore = registry.committedWriteCount
        do {
            try await method.run(registry, registryCall)
            // A write stored again ends the problem a refused one started (two atomic loads per call otherwise).
            if registry.committedWriteCount != committedBefore { operations.health.succeeded(.writes) }
        } catch let error as RegistryError {
            throw error.varlinkError(in: call.interfaceName)
        } catch let error as LogError {
            // A damaged log is answered with its declared error and also told to the operator.
            if case .recordDoesNotMatchLog = error {
                logger.error("call failed", metadata: ["method": "\(call.method)", "error": "\(error)"])
            }
            throw error.varlinkError(in: call.interfaceName) ?? error
        } catch {
            guard let reason = StorageFailure.reason(error, databasePath: registry.databasePath) else { throw error }
            // The operator must hear of it (the client may not pass it on): a full disk stops every write.
            logger.error("call failed: the disk refused it", metadata: ["method": "\(call.method)", "error": "\(error)"])
            operations.health.failed(.writes, StorageFailure.Refused(method: call.method, reason: reason))
            throw StorageFailure.varlinkError(reason, in: call.interfaceName)
        }
    }
}
