#if QCREDIT_FUZZING
import CLibFuzzer
#endif
import Glibc
import QCreditFuzz

// qcredit-fuzz TARGET [libFuzzer flags] [corpus folders or inputs]
//
// Built by Scripts/fuzz (coverage, ASan, -D QCREDIT_FUZZING, libFuzzer linked) it fuzzes TARGET
// with libFuzzer. A plain build replays the inputs given through TARGET and reports failures.

let usage = """
    usage: qcredit-fuzz --list
           qcredit-fuzz TARGET [libFuzzer flags] [CORPUS_FOLDER | INPUT]...

    Scripts/fuzz builds and runs the fuzzer; a plain build only replays inputs.
    """

/// The environment variable through which libFuzzer's child processes (-fork, -merge), started
/// with the same arguments less the target name, learn the target.
let targetVariable = "QCREDIT_FUZZ_TARGET"

func printError(_ message: String) {
    let line = Array((message + "\n").utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

var arguments = CommandLine.arguments
if arguments.count >= 2, arguments[1] == "--list" {
    for target in FuzzTarget.all {
        print(target.name.padding(toLength: 18, withPad: " ", startingAt: 0) + target.summary)
    }
    exit(0)
}

let target: FuzzTarget
if arguments.count >= 2, let named = FuzzTarget.named(arguments[1]) {
    target = named
    arguments.remove(at: 1)
    setenv(targetVariable, named.name, 1)
} else if let name = getenv(targetVariable).map({ String(cString: $0) }), let named = FuzzTarget.named(name) {
    target = named
} else {
    let names = FuzzTarget.all.map(\.name).joined(separator: ", ")
    printError("\(usage)\n\ntargets: \(names)")
    exit(2)
}

#if QCREDIT_FUZZING
/// The target libFuzzer's callback runs: a C callback captures nothing, so it reads this.
enum Fuzzing {
    nonisolated(unsafe) static var target: FuzzTarget?
}
Fuzzing.target = target

let callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 = { data, size in
    guard let target = Fuzzing.target else { return 0 }
    do {
        try target.run(UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        // A crash is how libFuzzer learns of a failure: it saves the input and stops.
        fatalError("\(target.name): \(error)")
    }
    return 0
}

var argumentCount = Int32(arguments.count)
var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
let status = cArguments.withUnsafeMutableBufferPointer { buffer in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argumentCount, &argv, callback)
}
exit(status)
#else
let paths = Array(arguments.dropFirst())
if let flag = paths.first(where: { $0.hasPrefix("-") }) {
    printError("qcredit-fuzz: \(flag): this build only replays inputs; Scripts/fuzz builds the fuzzer")
    exit(2)
}
do {
    let report = try CorpusReplay.replay(target, paths: paths)
    for failure in report.failures {
        print("\(failure.path): \(failure.violation)")
    }
    print("\(target.name): \(report.inputCount) inputs, \(report.failures.count) failed")
    exit(report.failures.isEmpty ? 0 : 1)
} catch {
    printError("qcredit-fuzz: \(error)")
    exit(1)
}
#endif
