import ArgumentParser
import CanonicalJSON
import QCreditDomain
import Varlink

/// `qcredit event CODE …`: RecordEvent.
struct EventCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event",
        abstract: "Record one quality event.",
        discussion: """
            Severity is low, medium or high; for awards and certifications it is the level: low \
            municipal, medium provincial, high national.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The enterprise's USCC or organization code.")
    var code: String

    @Option(help: "The quality dimension.")
    var dimension: Dimension

    @Option(help: "What happened.")
    var kind: EventKind

    @Option(help: "How much it weighs.")
    var severity: Severity

    @Option(help: ArgumentHelp("When it happened.", valueName: "date"))
    var occurredOn: String

    @Option(help: "The authority that recorded it.")
    var authority: String

    @Option(name: .document, help: "The decision or report's document number.")
    var documentNumber: String

    @Option(help: "What happened, in a sentence.")
    var summary: String

    @Option(help: "The provision applied.")
    var legalBasis: String?

    @Option(help: ArgumentHelp("Where the evidence is published.", valueName: "url"))
    var evidenceUrl: String?

    func run() async throws {
        try await options.run(codes: [code], of: "org.qcredit.admin") { daemon, console in
            let reply = try await daemon.call(
                "org.qcredit.admin.RecordEvent",
                parameters(
                    NewEvent(
                        code: code, dimension: dimension.rawValue, kind: kind.rawValue, severity: severity.rawValue,
                        occurredOn: occurredOn, authority: authority, documentNumber: documentNumber, legalBasis: legalBasis,
                        summary: summary, evidenceUrl: evidenceUrl
                    ).json))
            console.reply(reply) { ["Recorded event \(Render.integer($0["eventId"]) ?? Render.none)."] }
            return .success
        }
    }
}

/// `qcredit events FILE|-`: RecordEvents from JSON Lines.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Record many quality events at once: all of them, or none.",
        discussion: """
            Reads JSON Lines from FILE, or from standard input when FILE is -: one NewEvent object \
            per line, with the members code, dimension, kind, severity, occurredOn, authority, \
            documentNumber, summary and optionally legalBasis and evidenceUrl. Blank lines and lines \
            starting with # are skipped. The events are sent as one atomic batch; a refusal names \
            the line of the event refused.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("A JSON Lines file of events, or - for standard input.", valueName: "file"))
    var file: String

    func run() async throws {
        try await options.run { daemon, console in
            let batch = try EventBatch(InputFile(reading: file))
            do {
                let reply = try await daemon.call(
                    "org.qcredit.admin.RecordEvents", ["events": .array(batch.events.map(JSONValue.object))])
                console.reply(reply) { reply in
                    let ids = (reply["eventIds"]?.arrayValue ?? []).compactMap { Render.integer($0) }
                    return ["Recorded \(ids.count) event\(ids.count == 1 ? "" : "s"): \(ids.joined(separator: ", "))."]
                }
            } catch let error as VarlinkError {
                throw Failure.refused(error, at: batch.location(of: error))
            }
            return .success
        }
    }
}

/// The events of a JSON Lines file, each checked against `NewEvent` with its line number, so
/// a mistake is reported where it is rather than as a parameter path of the whole batch.
struct EventBatch {
    let inputName: String
    private(set) var events: [[String: JSONValue]] = []
    private(set) var lineNumbers: [Int] = []

    init(_ input: InputFile) throws(Failure) {
        inputName = input.name
        for line in input.lines {
            let text = line.text.trimmingWhitespace()
            if text.isEmpty || text.hasPrefix("#") { continue }
            events.append(try Self.event(text, at: "\(input.name):\(line.number)"))
            lineNumbers.append(line.number)
        }
        guard !events.isEmpty else { throw .badInput("no events in \(input.name)") }
    }

    /// Parses and checks one line.
    static func event(_ text: String, at location: String) throws(Failure) -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw .badInput("\(location): malformed JSON: \(error)")
        }
        return try newEvent(value, at: location)
    }

    /// Checks that `value` is a `NewEvent` (``NewEvent/init(json:)``).
    static func newEvent(_ value: JSONValue, at location: String) throws(Failure) -> [String: JSONValue] {
        guard let object = value.objectValue else {
            throw .badInput("\(location): expected a NewEvent object, found \(value.typeName)")
        }
        do {
            return try NewEvent(json: object).json
        } catch {
            switch error {
            case .unknownMember(let key):
                let members = (NewEvent.requiredMembers + NewEvent.optionalMembers).joined(separator: ", ")
                throw .badInput("\(location): unknown member \"\(key)\"; a NewEvent has \(members)")
            case .missingMembers(let missing):
                let names = missing.map { "\"\($0)\"" }.joined(separator: ", ")
                throw .badInput("\(location): missing member\(missing.count == 1 ? "" : "s") \(names)")
            case .notAString(let key, let found, let optional):
                throw .badInput("\(location): member \"\(key)\" must be a string\(optional ? " or null" : ""), found \(found)")
            }
        }
    }

    /// The line a refusal is about: the event an `events[i]…` parameter names, or the first
    /// event for the code an error names.
    func location(of error: VarlinkError) -> String? {
        if let parameter = error.parameters["parameter"]?.stringValue, parameter.hasPrefix("events["),
            let close = parameter.firstIndex(of: "]"),
            let index = Int(parameter[parameter.index(parameter.startIndex, offsetBy: 7)..<close]),
            lineNumbers.indices.contains(index)
        {
            return "\(inputName):\(lineNumbers[index])"
        }
        if let code = error.parameters["code"]?.stringValue {
            let wanted = EnterpriseCode.normalize(code)
            if let index = events.firstIndex(where: { event in
                guard let eventCode = event["code"]?.stringValue else { return false }
                let normalized = EnterpriseCode.normalize(eventCode)
                let orgCode = (try? EnterpriseCode(validating: eventCode))?.orgCode
                return normalized == wanted || orgCode == wanted
            }) {
                return "\(inputName):\(lineNumbers[index])"
            }
        }
        return nil
    }
}

/// `qcredit correct-event EVENT-ID --reason R (--event-json JSON | --retract)`: CorrectEvent.
struct CorrectEventCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "correct-event",
        abstract: "Correct a quality event by a new one that supersedes it, or retract it.",
        discussion: "The old event stays on file, marked as superseded.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The event to correct.", valueName: "event-id"))
    var eventId: Int

    @Option(help: "Why the event is corrected.")
    var reason: String

    @Option(help: ArgumentHelp(
        "The replacing event: a whole NewEvent JSON object (a line of `qcredit events FILE`), its code included.",
        valueName: "json"))
    var eventJson: String?

    @Flag(help: "Retract the event without replacing it.")
    var retract = false

    func validate() throws {
        guard (eventJson != nil) != retract else {
            throw ValidationError("give either --event-json with the replacing event, or --retract")
        }
    }

    func run() async throws {
        try await options.run { daemon, console in
            let replacement = try eventJson.map { text throws(Failure) in try EventBatch.event(text, at: "--event-json") }
            let reply = try await daemon.call(
                "org.qcredit.admin.CorrectEvent",
                parameters([
                    "eventId": .int(Int64(eventId)), "reason": .string(reason), "event": replacement.map(JSONValue.object),
                ]))
            console.reply(reply) { reply in
                let newId = Render.integer(reply["eventId"]) ?? Render.none
                return retract
                    ? ["Retracted event \(eventId) (retraction recorded as event \(newId))."]
                    : ["Recorded event \(newId), superseding event \(eventId)."]
            }
            return .success
        }
    }
}
