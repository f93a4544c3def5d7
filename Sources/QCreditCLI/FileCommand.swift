import ArgumentParser

/// `qcredit file CODE`: GetFile.
struct FileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "file",
        abstract: "Show an enterprise's whole credit file: events, published grades and listings.",
        discussion: "Banks see the public view; regulators and auditors the full one.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The enterprise's USCC or organization code.")
    var code: String

    func run() async throws {
        try await options.run(codes: [code]) { daemon, console in
            let reply = try await daemon.call("org.qcredit.query.GetFile", ["code": .string(code)])
            console.reply(reply) { Render.creditFile($0["file"]) }
            return .success
        }
    }
}
