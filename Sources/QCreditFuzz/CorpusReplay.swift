import Foundation

/// Runs a target over saved inputs (a corpus folder, crash files) without libFuzzer: what a
/// plain build of `qcredit-fuzz` does, and what the corpus regression tests do.
///
/// ```swift
/// let report = try CorpusReplay.replay(FuzzTarget.named("json")!, paths: ["Tests/FuzzCorpus/json"])
/// report.failures.isEmpty   // every input passed
/// ```
public enum CorpusReplay {
    public struct Report: Sendable {
        /// How many inputs ran.
        public var inputCount = 0
        /// Each input whose invariant failed, with the failure.
        public var failures: [(path: String, violation: InvariantViolation)] = []
    }

    /// The files at `paths`: a file itself, or every regular file in a folder (not recursive),
    /// in name order so that runs are reproducible.
    public static func inputFiles(at paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            for name in try FileManager.default.contentsOfDirectory(atPath: path).sorted() where !name.hasPrefix(".") {
                let file = (path as NSString).appendingPathComponent(name)
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: file, isDirectory: &isFolder), !isFolder.boolValue {
                    files.append(file)
                }
            }
        }
        return files
    }

    /// Runs `target` on every input file at `paths`.
    public static func replay(_ target: FuzzTarget, paths: [String]) throws -> Report {
        var report = Report()
        for file in try inputFiles(at: paths) {
            let input = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            report.inputCount += 1
            do {
                try target.run(input)
            } catch {
                report.failures.append((file, error))
            }
        }
        return report
    }
}
