import Testing

/// `Scripts/benchmark compare` installs Redis and PostgreSQL and runs for minutes, so no test runs
/// it (BENCHMARKS.md shows how); these checks keep the scripts parseable and their options documented.
@Suite struct BenchmarkScriptTests {
    @Test func benchmarkScriptParses() throws {
        let result = try runCommand("/bin/bash", ["-n", Repository.path("Scripts/benchmark")])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func compareScriptParsesAndListsItsOptions() throws {
        let result = try runCommand("/usr/bin/python3", [Repository.path("Scripts/benchmark-compare"), "--help"])
        #expect(result.status == 0, "\(result.stderr)")
        for option in ["--enterprises", "--seconds", "--trials", "--quick"] {
            #expect(result.stdout.contains(option), "\(result.stdout)")
        }
    }
}
