import Foundation
import Glibc
import Testing

/// A Go program in `Interop/`, built once per test run, offline, from Debian's golang-go and the
/// Go packages Debian installs under /usr/share/gocode.
struct GoProgram: Sendable {
    /// Go's sumdb verifier (golang-golang-x-mod-dev).
    static let goverify = GoProgram("goverify", packages: ["golang.org/x/mod/sumdb/note", "golang.org/x/mod/sumdb/tlog"])

    /// A varlink client over github.com/varlink/go (golang-github-varlink-go-dev).
    static let varlinkgo = GoProgram("varlinkgo", packages: ["github.com/varlink/go/varlink", "github.com/varlink/go/varlink/idl"])

    /// One Go build cache for every Go program the tests build, so each package is compiled once.
    static let sharedGoCache = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-gocache-\(getuid())").path

    static let go = "/usr/bin/go"
    static let gopath = "/usr/share/gocode"

    let name: String
    /// The import paths it needs from Debian's Go packages, besides the standard library.
    let packages: [String]
    /// The build, started by the first test that runs it; the others await it (suspended, not
    /// blocking a thread) and the compiler runs on a thread of its own.
    private let started = Mutexed<Task<String, any Error>?>(nil)

    init(_ name: String, packages: [String]) {
        self.name = name
        self.packages = packages
    }

    private var build: Task<String, any Error> {
        var build: Task<String, any Error>?
        started.modify { started in
            if started == nil { started = Task { [name] in try await Self.build(name) } }
            build = started
        }
        return build!
    }

    /// Builds `Interop/NAME` and returns its path: one file per program in the shared Go cache,
    /// rebuilt every run (Go's cache makes that quick) and renamed into place, so test runs
    /// leave no executable behind each and one running the program is not disturbed.
    private static func build(_ name: String) async throws -> String {
        let programs = URL(fileURLWithPath: sharedGoCache).appendingPathComponent("programs")
        try FileManager.default.createDirectory(at: programs, withIntermediateDirectories: true)
        let output = programs.appendingPathComponent(name).path
        let building = "\(output).\(getpid())"
        let result = try await runCommand(
            go, ["build", "-o", building, "."],
            environment: ["GO111MODULE": "off", "GOPATH": gopath, "GOCACHE": sharedGoCache],
            directory: Interop.scripts.appendingPathComponent(name).path)
        guard result.status == 0 else {
            try? FileManager.default.removeItem(atPath: building)
            throw DaemonFailed(log: "go build of \(name) failed:\n\(result.stderr)")
        }
        guard rename(building, output) == 0 else { throw DaemonFailed(log: "cannot rename \(building) to \(output)") }
        return output
    }

    /// What this machine lacks to build it (the compiler or a package's sources), or nil.
    var missing: String? {
        guard FileManager.default.isExecutableFile(atPath: Self.go) else { return Self.go }
        return packages.map { "\(Self.gopath)/src/\($0)" }.first { !FileManager.default.fileExists(atPath: $0) }
    }

    /// Whether it can be built here. When not, the test fails when the interop tools are
    /// required (`QCREDIT_REQUIRE_INTEROP=1`, as `Scripts/test` sets) and is skipped otherwise.
    func available() throws -> Bool {
        guard let missing else { return true }
        if Interop.required {
            Issue.record("\(missing) is missing: Scripts/install-dependencies installs it")
            return false
        }
        try Test.cancel("skipped: \(missing) is missing (Scripts/install-dependencies installs it)")
    }

    /// Builds it if no test has yet; its executable's path.
    func executable() async throws -> String {
        try await build.value
    }

    /// Builds it if no test has yet, and runs it to completion on a thread of its own.
    func run(_ arguments: [String]) async throws -> CommandResult {
        let executable = try await build.value
        return try await runCommand(executable, arguments)
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs only when `program` can be built here, or when the interop tools are required (and
    /// the test then fails for the missing tool).
    static func goProgram(_ program: GoProgram) -> Self {
        .enabled(if: program.missing == nil || Interop.required, "cannot build \(program.name): \(program.missing ?? "")")
    }
}
