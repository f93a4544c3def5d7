import TransparencyLog

extension ExportVerification {
    /// Streams this directory's `openings.jsonl`: each line an opening in canonical form, in
    /// index order without repeats, of an entry within the MANIFEST's range, whose commitment
    /// opens exactly that entry's leaf in `entries.jsonl` (read alongside from `leaves`, the
    /// public export). With `everyEntry` (the restricted part), each entry must have one.
    func checkOpenings(manifest: ExportManifest, leaves: Int32, everyEntry: Bool) {
        let name = ExportFormat.openingsFile
        guard manifest.file(named: name) != nil, case .regular = present[name] else { return }
        let start = manifest.entriesStart
        let end = manifest.entriesEnd
        guard let entries = FileLineReader(ExportFormat.entriesFile, in: leaves) else {
            fail(.openings, name, "cannot be checked: the export's \(ExportFormat.entriesFile) cannot be read")
            return
        }
        var problems = ProblemList()
        var count: Int64 = 0
        var last: Int64?
        var missing: [Range<Int64>] = []
        let scanned = scanListedFile(name) { number, bytes in
            count = number
            guard let bytes else {
                problems.add("line \(number) is longer than \(FileScanner.maximumLineLength) bytes")
                return
            }
            let index: Int64
            let opening: RecordOpening
            switch OpeningLine.parse(bytes) {
            case .failure(let problem):
                problems.add("line \(number) is \(problem)")
                return
            case .success(let parsed):
                (index, opening) = parsed
            }
            if let last, index <= last {
                problems.add("line \(number) (entry \(index)) is \(index == last ? "a second opening of" : "out of order after") entry \(last)")
                return
            }
            guard index >= start, index < end else {
                problems.add("line \(number) opens entry \(index), outside the entries \(start)..<\(end)")
                return
            }
            let gapStart = last.map { $0 + 1 } ?? start
            if everyEntry, gapStart < index { missing.append(gapStart..<index) }
            last = index
            guard let leaf = entries.line(index - start + 1) else {
                problems.add("line \(number) (entry \(index)): the entry's leaf cannot be read from \(ExportFormat.entriesFile)")
                return
            }
            if !opening.opens(leaf) { problems.add("line \(number): the opening of entry \(index) does not open the entry's leaf") }
        }
        guard let scanned else { return }
        let rest = last.map { $0 + 1 } ?? start
        if everyEntry, rest < end { missing.append(rest..<end) }
        for gap in missing {
            problems.add(gap.count == 1 ? "entry \(gap.lowerBound) has no opening" : "entries \(gap.lowerBound)..<\(gap.upperBound) have no opening")
        }
        if !scanned.endsWithNewline { problems.add("the last line has no newline") }
        if count != manifest.openingCount { problems.add("\(count) lines, the MANIFEST says \(manifest.openingCount)") }
        if problems.isEmpty {
            pass(
                .openings, name,
                (everyEntry ? "every entry \(start)..<\(end) has its opening: " : "\(count) openings of entries \(start)..<\(end): ")
                    + "canonical, in order, each opening its entry's leaf")
        } else {
            fail(.openings, name, problems.summary)
        }
    }
}
