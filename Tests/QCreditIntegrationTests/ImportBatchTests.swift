import CanonicalJSON
import Foundation
import QCreditDomain
import Testing

/// How `qcredit import` cuts a file into batches and sends them: in file order, within the
/// registry's message limit, and what it reports when it stops part way.
@Suite struct ImportBatchTests {
    typealias CLI = CLIHarness

    func file(_ daemon: DaemonProcess, _ name: String, _ text: String) throws -> String {
        try ImportTests().file(daemon, name, text)
    }

    /// An organization code, then on the next line a USCC holding it: in file order the USCC
    /// joins the legacy file (its name the file's name now, the legacy name a former one).
    /// Batches applied out of order would register the USCC first and refuse the legacy code
    /// as already registered.
    @Test func batchesAreAppliedInFileOrder() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let pairs = (0..<150).map { n in
            let uscc = USCC.madeUp(serial: 14_000_000 + n)
            let orgCode = String(uscc.dropFirst(8).prefix(9))
            return "\(orgCode),简称\(n)\n\(uscc),全称\(n)有限公司\n"
        }
        let path = try file(cli.daemon, "pairs.csv", "code,name\n" + pairs.joined())
        let summary = try await cli.json(["import", "enterprises", path, "--batch-size", "1"])
        let errors = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8)
        #expect(summary["imported"] == 300, "\(summary)")
        #expect(summary["rejected"] == 0, "\(errors)")
        #expect(try await cli.daemon.call("org.qcredit.operator.GetStatus")["enterprises"] == 150)
        let file = try await cli.json(["file", USCC.madeUp(serial: 14_000_149)])["file"]?["enterprise"]
        #expect(file?["name"] == "全称149有限公司")
        #expect(file?["formerNames"] == ["简称149"], "\(String(describing: file))")
    }

    /// Rows of 12 KB each (a 4,000-character summary in Chinese): the default 5,000 rows would
    /// be a 10 MB call, over the registry's 8 MiB limit. The batches are cut by size as well.
    @Test func longRowsGoInBatchesUnderTheMessageLimit() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        try await cli.register(CLI.cement, name: "示例水泥有限公司")
        let summary = String(repeating: "抽", count: 4000)
        let rows = (0..<850).map { n in
            "\(CLI.cement),product,spot-check-failed,low,\(CLI.date(daysAgo: 3)),黔南州市场监督管理局,黔南市监抽〔2026〕\(n)号,\(summary)\n"
        }
        let path = try file(
            cli.daemon, "long.csv", "code,dimension,kind,severity,occurredOn,authority,documentNumber,summary\n" + rows.joined())
        let result = try await cli.json(["import", "events", path])
        #expect(result["imported"] == 850, "\(result)")
        #expect(result["rejected"] == 0)
        #expect(result["complete"] == true)
    }

    /// Two names of one column (`code` and `uscc`) in a CSV header are refused before anything
    /// is sent; in a JSON Lines object they make the row malformed.
    @Test func twoNamesOfOneColumnAreAmbiguous() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let csv = try file(cli.daemon, "aliases.csv", "code,uscc,name\n\(CLI.cement),\(CLI.materials),示例水泥有限公司\n")
        let refused = try await cli.run(["import", "enterprises", csv])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("names one column twice in its header: code and uscc"), "\(refused.stderr)")
        let jsonl = try file(
            cli.daemon, "aliases.jsonl",
            #"{"code":"\#(CLI.cement)","统一社会信用代码":"\#(CLI.materials)","name":"示例水泥有限公司"}"# + "\n")
        let summary = try await cli.json(["import", "enterprises", jsonl])
        #expect(summary["imported"] == 0 && summary["rejected"] == 1, "\(summary)")
        let errors = try String(contentsOfFile: jsonl + ".errors.csv", encoding: .utf8)
        #expect(errors.contains("MalformedRow") && errors.contains("name one column"), "\(errors)")
        #expect(try await cli.run(["file", CLI.cement]).status != 0, "nothing was imported")
    }

    /// A registry's export as it comes: a USCC column and the legacy organization code beside
    /// it (then just another column), other columns, and a spreadsheet's trailing rows of
    /// empty fields (skipped as blank lines).
    @Test func aRegistryExportWithBothCodesAndEmptyTrailingRowsImports() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let orgCode = { (uscc: String) in String(uscc.dropFirst(8).prefix(8)) + "-" + String(uscc.dropFirst(16).prefix(1)) }
        let csv = try file(
            cli.daemon, "export.csv",
            "\u{FEFF}统一社会信用代码,组织机构代码,企业名称,法定代表人\r\n"
                + "\(CLI.cement),\(orgCode(CLI.cement)),示例水泥有限公司,张三\r\n"
                + "\(CLI.materials),\(orgCode(CLI.materials)),示例建材有限公司,李四\r\n"
                // A firm registered before the USCC: only its organization code, full-width.
                + ",１０００００５０－Ｘ,示例老厂,王五\r\n"
                + ",,,\r\n  , ,　,\r\n")
        let summary = try await cli.json(["import", "enterprises", csv])
        #expect(summary["imported"] == 3 && summary["rejected"] == 0, "\(summary)")
        #expect(summary["rowsRead"] == 3, "rows of empty fields are blank lines: \(summary)")
        let legacyOnly = try await cli.run(["file", "10000050-X"])
        #expect(legacyOnly.stdout.contains("示例老厂"), "\(legacyOnly.stdout)\(legacyOnly.stderr)")
        let registered = try await cli.run(["file", CLI.materials])
        #expect(registered.stdout.contains("示例建材有限公司"), "\(registered.stdout)\(registered.stderr)")
        // Only the organization code: it is the code column then.
        let legacy = try file(cli.daemon, "legacy.csv", "组织机构代码,企业名称\n55555555-2,示例老字号有限公司\n")
        #expect(try await cli.json(["import", "enterprises", legacy])["imported"] == 1)
    }

    /// An import that stops part way (here its id was used for another file) still writes the
    /// rows refused in the batches answered before it stopped, and says how far it got.
    @Test func anImportThatStopsPartWayKeepsTheRefusalsAnsweredSoFar() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let first = try file(cli.daemon, "a.csv", "code,name\n\(CLI.wrongCheck),错码有限公司\n\(CLI.cement),示例水泥有限公司\n")
        let applied = try await cli.json(["import", "enterprises", first, "--import-id", "monthly", "--batch-size", "1"])
        #expect(applied["imported"] == 1 && applied["rejected"] == 1, "\(applied)")
        // Its first batch is the one applied; its second has other rows under the same lines.
        let second = try file(cli.daemon, "b.csv", "code,name\n\(CLI.wrongCheck),错码有限公司\n\(CLI.materials),示例建材有限公司\n")
        let stopped = try await cli.run(["import", "enterprises", second, "--import-id", "monthly", "--batch-size", "1"])
        #expect(stopped.status == 1, "\(stopped.stdout)")
        #expect(stopped.stderr.contains("stopped: 0 rows imported, 1 rejected"), "\(stopped.stderr)")
        let errors = try String(contentsOfFile: second + ".errors.csv", encoding: .utf8).split(separator: "\n")
        #expect(errors.count == 2 && errors[1].hasPrefix("2,\(CLI.wrongCheck),InvalidCode,"), "\(errors)")
    }

    /// A JSON Lines row that is not JSON says why and where: a repeated member, text after
    /// the object, a number out of range, a lone surrogate, an object spread over lines.
    @Test func aLineThatIsNotJSONSaysWhyAndWhere() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let lines = [
            #"{"code":"a","code":"b","name":"x"}"#, #"{"code":"x","name":"y"} trailing"#, #"{"code":1e400,"name":"z"}"#,
            #"{"code":"\ud800","name":"z"}"#, "{", "[1]",
        ]
        let path = try file(cli.daemon, "bad.jsonl", lines.joined(separator: "\n") + "\n")
        #expect(try await cli.json(["import", "enterprises", path])["rejected"] == 6)
        let errors = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8).split(separator: "\n").dropFirst().map(String.init)
        #expect(errors.count == 6, "\(errors)")
        let reasons = ["duplicate key at byte 13", "unexpected data after the value", "number out of range", "lone surrogate",
            "unexpected end of input", "not a JSON object (one object per line)"]
        for (line, reason) in zip(errors, reasons) { #expect(line.contains(reason), "\(line)") }
    }

    /// `admitWrongCheckCharacter` is yes or no (是 or 否 too): another value is not quietly taken for no.
    @Test func aFlagThatIsNeitherYesNorNoIsMalformed() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let path = try file(
            cli.daemon, "flags.csv",
            "code,name,admitWrongCheckCharacter\n\(CLI.wrongCheck),错码有限公司,maybe\n\(CLI.cement),示例水泥有限公司,NO\n"
                + "\(CLI.materials),贵阳某某建材有限公司,否\n")
        let summary = try await cli.json(["import", "enterprises", path])
        #expect(summary["imported"] == 2 && summary["rejected"] == 1, "\(summary)")
        let errors = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8)
        #expect(errors.contains("2,\(CLI.wrongCheck),MalformedRow,\"admitWrongCheckCharacter is \"\"maybe\"\""), "\(errors)")
        // A Chinese spreadsheet's 是 reads as a yes (a valid code admitted is registered as it is).
        let admitted = try file(cli.daemon, "admitted.csv", "code,name,admitWrongCheckCharacter\n121200004013590816,某某检测中心,是\n")
        let admittedSummary = try await cli.json(["import", "enterprises", admitted])
        #expect(admittedSummary["imported"] == 1 && admittedSummary["rejected"] == 0, "\(admittedSummary)")
    }
}
