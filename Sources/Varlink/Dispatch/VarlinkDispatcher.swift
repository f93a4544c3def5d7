import CanonicalJSON
import Synchronization

/// Routes calls to a ``VarlinkHandler`` and answers `org.varlink.service` itself.
///
/// For each call, in this order:
/// 1. A method name without an interface part (no dot) gets `InvalidParameter(parameter: "method")`.
/// 2. `org.varlink.service.GetInfo` and `.GetInterfaceDescription` are answered here (also for
///    `org.varlink.service` itself); any other `org.varlink.service` method is `MethodNotFound`.
/// 3. An unknown interface gets `InterfaceNotFound(interface:)`, an unknown method
///    `MethodNotFound(method:)` with the fully qualified method name.
/// 4. The handler's ``VarlinkHandler/authorize(_:context:)`` decides whether the caller may
///    make the call at all (before its parameters are examined).
/// 5. The parameters are validated against the method's input
///    (see ``VarlinkInterface/validateInput(method:parameters:)``): `InvalidParameter(parameter:)`.
/// 6. The handler runs. A thrown ``VarlinkError`` becomes the error reply. Any other error goes
///    through `mapError`, by default to `org.varlink.service.InternalError` with no parameters
///    (the error's text is not sent: it may reveal internals). `mapError` also sees errors that
///    can no longer be reported because the call was already answered, so it is the place to log.
/// 7. A handler that returns without a final reply gets a final **empty** reply
///    (`{"parameters":{}}`); methods whose output has required fields must reply explicitly.
///
/// `oneway` calls get no reply of any kind, errors included; their `more` is ignored (a method
/// that only streams refuses them, silently, as a call without `more`).
///
/// ```swift
/// let dispatcher = VarlinkDispatcher(
///     info: VarlinkServiceInfo(vendor: "Example", product: "pingd", version: "1", url: "https://example.org"),
///     interfaces: [try VarlinkInterface(parsing: pingInterfaceText)],
///     handler: PingHandler()
/// )
/// let replies = await dispatcher.collectReplies(
///     to: VarlinkCall(method: "org.varlink.service.GetInfo"),
///     context: VarlinkCallContext(credentials: .init(pid: 1, uid: 0, gid: 0), connectionID: 1))
/// ```
public struct VarlinkDispatcher: Sendable {
    /// Turns a handler error that is not a ``VarlinkError`` into the error reply.
    public typealias ErrorMapper = @Sendable (_ error: any Error, _ call: VarlinkCall) -> VarlinkError

    /// The default ``ErrorMapper``: `org.varlink.service.InternalError`, no parameters.
    public static let internalErrorMapper: ErrorMapper = { _, _ in .internalError() }

    public let info: VarlinkServiceInfo
    /// The service's own interfaces, in the order `GetInfo` lists them (after `org.varlink.service`).
    public let interfaces: [VarlinkInterface]

    private let interfacesByName: [String: VarlinkInterface]
    /// Every method by its fully qualified name: one lookup on the immediate path.
    private let methodsByQualifiedName: [String: MethodEntry]
    private let handler: any VarlinkHandler
    private let mapError: ErrorMapper

    /// - Precondition: interface names are unique and none is `org.varlink.service`.
    public init(
        info: VarlinkServiceInfo,
        interfaces: [VarlinkInterface],
        handler: any VarlinkHandler,
        mapError: @escaping ErrorMapper = VarlinkDispatcher.internalErrorMapper
    ) {
        var byName: [String: VarlinkInterface] = [:]
        for interface in interfaces {
            precondition(interface.name != VarlinkError.serviceInterface, "org.varlink.service is built in")
            precondition(byName.updateValue(interface, forKey: interface.name) == nil, "\(interface.name) given twice")
        }
        self.info = info
        self.interfaces = interfaces
        self.interfacesByName = byName
        var methods: [String: MethodEntry] = [:]
        for interface in interfaces {
            for method in interface.methods { methods[interface.name + "." + method.name] = MethodEntry(interface, method) }
        }
        self.methodsByQualifiedName = methods
        self.handler = handler
        self.mapError = mapError
    }

    /// The interface called `name`, including the built-in `org.varlink.service`.
    public func interface(named name: String) -> VarlinkInterface? {
        name == VarlinkError.serviceInterface ? .service : interfacesByName[name]
    }

    /// Answers `call`, handing every reply to `sink` in order.
    ///
    /// Throws only when the sink does (the connection is gone); every other failure has become
    /// an error reply by then.
    public func dispatch(
        _ call: VarlinkCall,
        context: VarlinkCallContext,
        sink: @escaping VarlinkReplyWriter.Sink
    ) async throws {
        // A oneway call wants no reply, so it has no stream to follow either: with `more` it
        // would run a stream nobody reads (one that never ends held its connection for good).
        var call = call
        if call.oneway { call.more = false }
        let replies = VarlinkReplyWriter(call: call, sink: sink)
        do {
            try await route(call, context: context, replies: replies)
            if !replies.hasReplied { try await replies.reply() }
        } catch {
            if let deliveryError = replies.deliveryError { throw deliveryError }
            let varlinkError = (error as? VarlinkError) ?? mapError(error, call)
            guard !replies.hasReplied else { return }
            try await replies.fail(varlinkError)
        }
    }

    /// The final reply's parameters (JSON object text) when the handler can answer `call` at
    /// once, from memory, without suspending; nil sends the call down ``dispatch(_:context:sink:)``.
    ///
    /// For servers that try it on the event loop before handing the call to a task. Only a
    /// plain call (no `more`, `oneway` or `upgrade`) of a known method qualifies, and only once
    /// the handler has authorized it at once and its parameters conform: every error reply
    /// comes from the normal path, so both paths answer alike.
    public func answerImmediately(_ call: VarlinkCall, context: VarlinkCallContext) -> [UInt8]? {
        guard qualifiesForAnAnswerAtOnce(call, context: context) else { return nil }
        return handler.answerImmediately(call, context: context)
    }

    /// The final reply's parameters for a message the handler recognises by its bytes (see
    /// ``VarlinkHandler/answerFrameImmediately(_:context:parameters:)``), appended to
    /// `parameters`; false sends the message the generic way. Servers try it before parsing.
    public func answerFrameImmediately(
        _ frame: UnsafeRawBufferPointer, context: VarlinkCallContext, parameters: inout [UInt8]
    ) -> Bool {
        handler.answerFrameImmediately(frame, context: context, parameters: &parameters)
    }

    /// Blocking work that gives `call`'s one reply, when the handler offers it (see
    /// ``VarlinkHandler/answerOffLoop(_:context:)``); nil sends the call down
    /// ``dispatch(_:context:sink:)``. The same calls qualify as for ``answerImmediately(_:context:)``.
    public func answerOffLoop(_ call: VarlinkCall, context: VarlinkCallContext) -> (@Sendable () -> VarlinkReply)? {
        guard qualifiesForAnAnswerAtOnce(call, context: context) else { return nil }
        return handler.answerOffLoop(call, context: context)
    }

    /// A plain call of a known method, authorized at once, whose parameters conform.
    private func qualifiesForAnAnswerAtOnce(_ call: VarlinkCall, context: VarlinkCallContext) -> Bool {
        guard !call.more, !call.oneway, !call.upgrade, let entry = methodsByQualifiedName[call.method],
            handler.authorizeImmediately(call, context: context) == true,
            (try? entry.interface.validateInput(entry.definition, parameters: call.parameters)) != nil
        else { return false }
        return true
    }

    /// Answers `call` and returns its replies: for tests and in-process use.
    public func collectReplies(to call: VarlinkCall, context: VarlinkCallContext) async -> [VarlinkReply] {
        let collected = Mutex<[VarlinkReply]>([])
        try? await dispatch(call, context: context) { replies in collected.withLock { $0.append(contentsOf: replies.map(\.withParsedText)) } }
        return collected.withLock { $0 }
    }

    private func route(_ call: VarlinkCall, context: VarlinkCallContext, replies: VarlinkReplyWriter) async throws {
        let interfaceName = call.interfaceName
        guard !interfaceName.isEmpty, !call.methodName.isEmpty else { throw VarlinkError.invalidParameter("method") }
        if interfaceName == VarlinkError.serviceInterface {
            try await answerServiceCall(call, replies: replies)
            return
        }
        guard let interface = interfacesByName[interfaceName] else { throw VarlinkError.interfaceNotFound(interfaceName) }
        guard interface.method(named: call.methodName) != nil else { throw VarlinkError.methodNotFound(call.method) }
        try await handler.authorize(call, context: context)
        try interface.validateInput(method: call.methodName, parameters: call.parameters)
        try await handler.handle(call, context: context, replies: replies)
    }

    private func answerServiceCall(_ call: VarlinkCall, replies: VarlinkReplyWriter) async throws {
        try VarlinkInterface.service.validateInput(method: call.methodName, parameters: call.parameters)
        switch call.methodName {
        case "GetInfo":
            let names = [VarlinkError.serviceInterface] + interfaces.map(\.name)
            try await replies.reply([
                "vendor": .string(info.vendor),
                "product": .string(info.product),
                "version": .string(info.version),
                "url": .string(info.url),
                "interfaces": .array(names.map(JSONValue.string)),
            ])
        case "GetInterfaceDescription":
            let name = call.parameters["interface"]?.stringValue ?? ""
            guard let interface = interface(named: name) else { throw VarlinkError.interfaceNotFound(name) }
            try await replies.reply(["description": .string(interface.text)])
        default:
            throw VarlinkError.methodNotFound(call.method)
        }
    }
}

/// A method and its interface, boxed: looking one up on the immediate path retains one object
/// instead of copying both structs field by field.
private final class MethodEntry: Sendable {
    let interface: VarlinkInterface
    let definition: VarlinkMethodDefinition

    init(_ interface: VarlinkInterface, _ definition: VarlinkMethodDefinition) {
        self.interface = interface
        self.definition = definition
    }
}
