import ArgumentParser

/// `qcredit import enterprises|events FILE`: bulk loading with progress, an error file and resume.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import credit files or quality events from a CSV or JSON Lines file.",
        discussion: """
            Rows are sent in batches of consecutive lines, each one durable transaction; a refused \
            row does not stop the others. Every refused row (malformed, a duplicate code in the \
            file, or refused by the registry) is written to the error file with its line number \
            and reason. An interrupted import resumes when run again: batches already applied \
            under the import id are skipped, never applied twice.
            """,
        subcommands: [ImportEnterprisesCommand.self, ImportEventsCommand.self])
}

/// What both `import` subcommands take.
struct ImportOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("A CSV file with a header line, or a JSON Lines file; - for standard input.", valueName: "file"))
    var file: String

    @Option(help: "The import's id (default: the kind and a digest of the file, so the same file resumes).")
    var importId: String?

    @Option(help: ArgumentHelp("Where refused rows are written (default: FILE.errors.csv; for standard input or a pipe, IMPORT-ID.errors.csv here).", valueName: "path"))
    var errors: String?

    // 5,000: each batch is one fsynced commit, and fewer commits nearly doubled the rate of
    // registering files (BENCHMARKS.md); a batch of events stays well under a megabyte.
    @Option(parsing: .unconditional, help: "Rows per batch (1 to 10000); resume with the same batch size.")
    var batchSize = 5000

    @Option(help: "The file's character encoding: utf-8, or gb18030 (also gbk, gb2312, cp936: all read as GB18030) for CSV saved by a Chinese spreadsheet.")
    var encoding: InputEncoding = .utf8

    @Option(help: .hidden)
    var stopAfterBatches: Int?
}

struct ImportEnterprisesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enterprises",
        abstract: "Register credit files: columns code, name, and optionally divisionCode, entityType, admitWrongCheckCharacter.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var importOptions: ImportOptions

    func run() async throws {
        try await options.run { daemon, console in
            try await FileImport(kind: .enterprises, options: importOptions).run(daemon, console)
        }
    }
}

struct ImportEventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: """
            Record quality events: columns code, dimension, kind, severity, occurredOn, authority, \
            documentNumber, summary, and optionally legalBasis, evidenceUrl.
            """)

    @OptionGroup var options: GlobalOptions
    @OptionGroup var importOptions: ImportOptions

    func run() async throws {
        try await options.run { daemon, console in
            try await FileImport(kind: .events, options: importOptions).run(daemon, console)
        }
    }
}
