// qcredit-bench files: the input files of the import and screening figures.
//
// Writes, into --directory, enterprises.csv (N rows: code, name, divisionCode, with synthetic
// Chinese names), events.csv (N rows: one quality event for each of those enterprises) and
// portfolio.txt (the N codes, one per line), for `qcredit import` and `qcredit screen`
// (Scripts/benchmark import). `--first-serial S` starts the made-up codes at serial S (default
// 50,000,000): a second set of files with other codes, to import into a registry already
// holding the first.
import Foundation
import QCreditDomain

enum ImportFiles {
    static func run(arguments: [String]) throws {
        let count = Int(BenchStore.option("--enterprises", in: arguments) ?? "") ?? 1_000_000
        let directory = BenchStore.option("--directory", in: arguments) ?? FileManager.default.currentDirectoryPath
        let firstSerial = Int(BenchStore.option("--first-serial", in: arguments) ?? "") ?? 50_000_000
        var enterprises = "code,name,divisionCode\n"
        var events = "code,dimension,kind,severity,occurredOn,authority,documentNumber,summary\n"
        var portfolio = ""
        for n in 0..<count {
            let code = USCC.madeUp(serial: firstSerial + n)
            enterprises += "\(code),\(FindBenchmark.name(n)),\n"
            events += "\(code),product,spot-check-failed,low,2026-01-05,基准市场监督管理局,基准抽〔2026〕\(n)号,抽检不合格\n"
            portfolio += code + "\n"
        }
        for (name, text) in [("enterprises.csv", enterprises), ("events.csv", events), ("portfolio.txt", portfolio)] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
        }
        print("wrote enterprises.csv, events.csv and portfolio.txt (\(count) rows each) into \(directory)")
    }
}
