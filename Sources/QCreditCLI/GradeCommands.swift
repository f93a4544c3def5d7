import ArgumentParser
import CanonicalJSON

/// `qcredit grade CODE [--at DATE|TIME]`: GetGrade, or GetGradeAt for a past moment.
struct GradeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grade",
        abstract: "Show the grade in force for an enterprise, and what it rests on.",
        discussion: """
            Shows the grade, its basis (computed, override, listing or ungraded), the score with \
            each event's contribution and its arithmetic, the listings that cap it, and the log \
            index of the publication record it rests on.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The enterprise's USCC or organization code.")
    var code: String

    @Option(help: ArgumentHelp("The grade in force at a past moment: a date (the end of that day) or an RFC 3339 time.", valueName: "date|time"))
    var at: String?

    func run() async throws {
        try await options.run(codes: [code]) { daemon, console in
            let reply: [String: JSONValue]
            if let at {
                reply = try await daemon.call("org.qcredit.query.GetGradeAt", ["code": .string(code), "at": .string(at)])
            } else {
                reply = try await daemon.call("org.qcredit.query.GetGrade", ["code": .string(code)])
            }
            console.reply(reply) { Render.grade($0["grade"]) }
            return .success
        }
    }
}

/// `qcredit grades FILE|-`: GetGrades for a batch of codes, streamed.
struct GradesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grades",
        abstract: "Show the grades in force for many codes, one row per code as the replies arrive.",
        discussion: """
            Reads one code per line from FILE, or from standard input when FILE is -. Blank lines \
            and comments (from # to the end of the line) are skipped. A code that is invalid or \
            has no credit file gets a row with its error; the other codes are answered normally.

            Exit status: 0 when every code was answered with a grade (a never-graded enterprise \
            counts), 1 when any code got an error, and otherwise as for every qcredit command.
            """)

    static let codesPerCall = 10_000

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("A file of codes, one per line, or - for standard input.", valueName: "file"))
    var file: String

    func run() async throws {
        try await options.run { daemon, console in
            let input = try InputFile(reading: file)
            let codes = input.contentLines.map(\.text)
            guard !codes.isEmpty else { throw Failure.badInput("no codes in \(input.name)") }
            var anyError = false
            // Printed with the first answer: a daemon that cannot be reached leaves no table begun.
            var headerPrinted = false
            // In calls a bank's message limit takes, one after another: the rows keep the file's order.
            for batch in CodeBatches.split(codes, maximumCount: Self.codesPerCall) {
                for try await reply in try await daemon.stream(
                    "org.qcredit.query.GetGrades", ["codes": .array(codes[batch].map(JSONValue.string))])
                {
                    if reply["error"] != nil { anyError = true }
                    if console.json {
                        console.jsonLine(.object(reply))
                    } else {
                        if !headerPrinted {
                            console.line(Render.gradeRowHeader)
                            headerPrinted = true
                        }
                        console.line(Render.gradeRow(reply))
                    }
                }
            }
            return anyError ? .refused : .success
        }
    }
}
