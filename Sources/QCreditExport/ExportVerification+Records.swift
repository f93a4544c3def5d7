import CanonicalJSON

extension ExportVerification {
    /// `state.jsonl`: canonical JSON objects, as many as the MANIFEST says, in order (USCC, then
    /// organization code for the files without a USCC).
    func checkState(manifest: ExportManifest) {
        let name = ExportFormat.stateFile
        guard manifest.file(named: name) != nil, case .regular = present[name] else { return }
        var problems = ProblemList()
        var count: Int64 = 0
        var last: (key: StateOrderKey, line: Int64)?
        let scanned = scanListedFile(name) { number, bytes in
            count = number
            guard let bytes else {
                problems.add("line \(number) is longer than \(FileScanner.maximumLineLength) bytes")
                return
            }
            let (value, problem) = CanonicalLine.parse(bytes)
            guard let value else {
                problems.add("line \(number) is \(problem ?? "not canonical JSON")")
                return
            }
            guard let key = StateOrderKey(value) else {
                problems.add("line \(number) is not an object with a \"uscc\" or \"orgCode\" string")
                return
            }
            if let last, key < last.key {
                problems.add("line \(number) (\(key)) is out of order after line \(last.line) (\(last.key))")
            }
            last = (key, number)
            if let index = Self.recordsOutsideTree(of: value, treeSize: manifest.treeSize).first {
                problems.add("line \(number) rests on log record \(index), outside the export's tree of \(manifest.treeSize) (0..<\(manifest.treeSize))")
            }
        }
        guard let scanned else { return }
        if !scanned.endsWithNewline { problems.add("the last line has no newline") }
        let expected = manifest.enterpriseCount ?? 0
        if count != expected { problems.add("\(count) lines, the MANIFEST says \(expected)") }
        if problems.isEmpty {
            pass(.state, name, "\(count) enterprise files, each one line of canonical JSON, in order (USCC, then organization code)")
        } else {
            fail(.state, name, problems.summary)
        }
    }

    /// The log records a state or listing line names (its `logIndex`, its steps' too) outside
    /// `0..<treeSize`, as written: an export is one moment, so everything it shows rests on its
    /// own tree, and a record index is never negative or anything but an integer (audit: -1 passed).
    static func recordsOutsideTree(of value: JSONValue, treeSize: Int64) -> [String] {
        let indexes = [value["logIndex"]] + (value["steps"]?.arrayValue ?? []).map { $0["logIndex"] }
        return indexes.compactMap { index -> String? in
            guard let index, !index.isNull else { return nil }
            guard let number = index.intValue else { return index.jsonText }
            return (0..<treeSize).contains(number) ? nil : String(number)
        }
    }

    /// `listings.jsonl`: canonical JSON objects, as many as the MANIFEST says.
    func checkListings(manifest: ExportManifest) {
        let name = ExportFormat.listingsFile
        guard manifest.file(named: name) != nil, case .regular = present[name] else { return }
        var problems = ProblemList()
        var count: Int64 = 0
        let scanned = scanListedFile(name) { number, bytes in
            count = number
            guard let bytes else {
                problems.add("line \(number) is longer than \(FileScanner.maximumLineLength) bytes")
                return
            }
            let (value, problem) = CanonicalLine.parse(bytes)
            if let problem {
                problems.add("line \(number) is \(problem)")
            } else if value?.objectValue == nil {
                problems.add("line \(number) is not a JSON object")
            } else if let value, let index = Self.recordsOutsideTree(of: value, treeSize: manifest.treeSize).first {
                problems.add("line \(number) names log record \(index), outside the export's tree of \(manifest.treeSize) (0..<\(manifest.treeSize))")
            }
        }
        guard let scanned else { return }
        if !scanned.endsWithNewline { problems.add("the last line has no newline") }
        if count != manifest.listingCount { problems.add("\(count) lines, the MANIFEST says \(manifest.listingCount)") }
        if problems.isEmpty {
            pass(.listings, name, "\(count) listings, each one line of canonical JSON")
        } else {
            fail(.listings, name, problems.summary)
        }
    }
}
