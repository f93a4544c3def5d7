import QCreditCrypto

/// An export's MANIFEST: what the export claims (origin, tree, entries, previous tree, counts) and
/// the size, SM3 and SHA-256 of each of its files. The exact text is documented on
/// ``ExportFormat``; ``text`` writes it and ``init(parsing:)`` reads it back, strictly.
///
/// ```swift
/// let manifest = try ExportManifest(parsing: manifestBytes)
/// manifest.treeSize                   // the checkpoint's size
/// manifest.previous?.size             // the previous export's tree size, if any
/// manifest.files.map(\.name)          // ["checkpoint", "consistency-proof", …], in byte order
/// ```
public struct ExportManifest: Sendable, Hashable {
    /// One file of the export as the MANIFEST lists it.
    public struct FileEntry: Sendable, Hashable {
        public var name: String
        public var size: Int64
        /// 32 bytes.
        public var sha256: [UInt8]
        /// 32 bytes.
        public var sm3: [UInt8]

        public init(name: String, size: Int64, sha256: [UInt8], sm3: [UInt8]) {
            self.name = name
            self.size = size
            self.sha256 = sha256
            self.sm3 = sm3
        }
    }

    /// A tree the export extends: a size and its root hash.
    public struct Tree: Sendable, Hashable {
        public var size: Int64
        /// 32 bytes.
        public var rootHash: [UInt8]

        public init(size: Int64, rootHash: [UInt8]) {
            self.size = size
            self.rootHash = rootHash
        }
    }

    /// Why a MANIFEST does not parse: the 1-based line and what is wrong there.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "MANIFEST line \(line): \(reason)" }
    }

    /// Which part of an export run this MANIFEST describes.
    public var part: ExportPart
    /// For the restricted part: the name of the public export it belongs to.
    public var exportName: String?
    public var origin: String
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    public var created: String
    public var kind: ExportKind
    /// `YYYY-MM-DD`: the date the state files describe.
    public var asOf: String
    /// The checkpoint's tree size (= ``entriesEnd``).
    public var treeSize: Int64
    /// The checkpoint's root hash, 32 bytes.
    public var rootHash: [UInt8]
    /// The first entry in `entries.jsonl`.
    public var entriesStart: Int64
    /// One past the last entry in `entries.jsonl`.
    public var entriesEnd: Int64
    /// The previous export's tree, if the export was made with one.
    public var previous: Tree?
    /// The number of lines of `state.jsonl` (public export only).
    public var enterpriseCount: Int64?
    /// The number of lines of `listings.jsonl`.
    public var listingCount: Int64
    /// The number of lines of `openings.jsonl`.
    public var openingCount: Int64
    /// The files, in byte order of their names.
    public var files: [FileEntry]

    /// - Parameters:
    ///   - exportName: the public export's name, for the restricted part (nil for the public export).
    ///   - enterpriseCount: nil for the restricted part.
    public init(
        part: ExportPart = .public, exportName: String? = nil, origin: String, created: String, kind: ExportKind, asOf: String,
        treeSize: Int64, rootHash: [UInt8], entriesStart: Int64, entriesEnd: Int64, previous: Tree?, enterpriseCount: Int64?,
        listingCount: Int64, openingCount: Int64, files: [FileEntry]
    ) {
        self.part = part
        self.exportName = exportName
        self.origin = origin
        self.created = created
        self.kind = kind
        self.asOf = asOf
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.entriesStart = entriesStart
        self.entriesEnd = entriesEnd
        self.previous = previous
        self.enterpriseCount = enterpriseCount
        self.listingCount = listingCount
        self.openingCount = openingCount
        self.files = files.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// The file named `name`, if listed.
    public func file(named name: String) -> FileEntry? { files.first { $0.name == name } }

    /// The MANIFEST text, exactly as ``ExportFormat`` documents it.
    public var text: String {
        var lines = [ExportFormat.manifestHeader]
        if part == .restricted { lines += ["# part \(part.rawValue)", "# export \(exportName ?? "")"] }
        lines += [
            "# origin \(origin)",
            "# created \(created)",
            "# kind \(kind.rawValue)",
            "# as-of \(asOf)",
            "# tree-size \(treeSize)",
            "# root \(Base64.encode(rootHash))",
            "# entries \(entriesStart) \(entriesEnd)",
            previous.map { "# previous \($0.size) \(Base64.encode($0.rootHash))" } ?? "# previous none",
        ]
        if let enterpriseCount { lines.append("# enterprises \(enterpriseCount)") }
        lines += ["# listings \(listingCount)", "# openings \(openingCount)"]
        lines += files.map { "# size \($0.name) \($0.size)" }
        lines += files.map { "# SM3 (\($0.name)) = \(Hex.encode($0.sm3))" }
        // Two spaces: GNU coreutils' text-mode format, which `sha256sum -c --strict` accepts.
        lines += files.map { "\(Hex.encode($0.sha256))  \($0.name)" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses a MANIFEST strictly: the lines in the documented order and form, decimals without
    /// leading zeros, canonical base64 and lower-case hex, file names of `A–Z a–z 0–9 . _ -` in
    /// strictly increasing byte order, the same files in all three lists, UTF-8, `\n` line ends.
    /// Relations between the values (entries against tree size and kind) are checked by
    /// ``problems``, not here.
    public init(parsing bytes: some Collection<UInt8>) throws(ParseError) {
        let bytes = Array(bytes)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ParseError(line: 1, reason: "not valid UTF-8")
        }
        guard bytes.last == UInt8(ascii: "\n") else {
            throw ParseError(line: bytes.count(where: { $0 == UInt8(ascii: "\n") }) + 1, reason: "no final newline")
        }
        var lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
            .map { String(decoding: $0, as: UTF8.self) }[...]
        var number = 0

        func next(_ prefix: String) throws(ParseError) -> String {
            number += 1
            guard let line = lines.popFirst() else { throw ParseError(line: number, reason: "missing \"\(prefix)\" line") }
            guard line.hasPrefix(prefix) else { throw ParseError(line: number, reason: "expected a \"\(prefix)\" line") }
            guard !line.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
                throw ParseError(line: number, reason: "control character")
            }
            return String(line.dropFirst(prefix.count))
        }
        func decimal(_ text: some StringProtocol, _ what: String) throws(ParseError) -> Int64 {
            guard let value = Self.decimal(text) else {
                throw ParseError(line: number, reason: "\(what) \"\(text)\" is not a decimal without leading zeros from 0 to 2^63−1")
            }
            return value
        }
        func hash(_ text: some StringProtocol, _ what: String) throws(ParseError) -> [UInt8] {
            guard let value = Base64.decode(text), value.count == 32 else {
                throw ParseError(line: number, reason: "\(what) is not the base64 of 32 bytes")
            }
            return value
        }

        number += 1
        guard lines.popFirst() == ExportFormat.manifestHeader else {
            throw ParseError(line: 1, reason: "not \"\(ExportFormat.manifestHeader)\"")
        }
        var part = ExportPart.public
        var exportName: String?
        if lines.first?.hasPrefix("# part ") == true {
            let partText = try next("# part ")
            guard partText == ExportPart.restricted.rawValue else {
                throw ParseError(line: number, reason: "part \"\(partText)\" is not restricted (a public MANIFEST has no part line)")
            }
            part = .restricted
            let name = try next("# export ")
            guard ExportFormat.isValidExportName(name) else { throw ParseError(line: number, reason: "\"\(name)\" is not an export name") }
            exportName = name
        }
        let origin = try next("# origin ")
        guard !origin.isEmpty else { throw ParseError(line: number, reason: "empty origin") }
        let created = try next("# created ")
        guard ExportFormat.isValidTimestamp(created) else {
            throw ParseError(line: number, reason: "\"\(created)\" is not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SSZ)")
        }
        let kindText = try next("# kind ")
        guard let kind = ExportKind(rawValue: kindText) else {
            throw ParseError(line: number, reason: "kind \"\(kindText)\" is neither full nor delta")
        }
        let asOf = try next("# as-of ")
        guard ExportFormat.isValidDate(asOf) else { throw ParseError(line: number, reason: "\"\(asOf)\" is not a date YYYY-MM-DD") }
        let treeSize = try decimal(try next("# tree-size "), "tree size")
        let rootHash = try hash(try next("# root "), "root")
        let entries = try next("# entries ").split(separator: " ", omittingEmptySubsequences: false)
        guard entries.count == 2 else { throw ParseError(line: number, reason: "expected \"# entries <start> <end>\"") }
        let entriesStart = try decimal(entries[0], "entries start")
        let entriesEnd = try decimal(entries[1], "entries end")
        let previousText = try next("# previous ")
        var previous: Tree?
        if previousText != "none" {
            let parts = previousText.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw ParseError(line: number, reason: "expected \"# previous <size> <root>\" or \"# previous none\"")
            }
            previous = Tree(size: try decimal(parts[0], "previous size"), rootHash: try hash(parts[1], "previous root"))
        }
        let enterpriseCount = part == .public ? try decimal(try next("# enterprises "), "enterprise count") : nil
        let listingCount = try decimal(try next("# listings "), "listing count")
        let openingCount = try decimal(try next("# openings "), "opening count")

        var sizes: [(name: String, size: Int64)] = []
        while lines.first?.hasPrefix("# size ") == true {
            let parts = try next("# size ").split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw ParseError(line: number, reason: "expected \"# size <file> <bytes>\"") }
            let name = String(parts[0])
            guard ExportFormat.isValidFileName(name) else { throw ParseError(line: number, reason: "invalid file name \"\(name)\"") }
            if let last = sizes.last, !last.name.utf8.lexicographicallyPrecedes(name.utf8) {
                throw ParseError(line: number, reason: "\"\(name)\" is not after \"\(last.name)\" in byte order")
            }
            sizes.append((name, try decimal(parts[1], "size")))
        }
        var sm3: [[UInt8]] = []
        for entry in sizes {
            let line = try next("# SM3 (")
            let suffix = ") = "
            guard line.hasPrefix(entry.name + suffix),
                let digest = Hex.decode(line.dropFirst(entry.name.utf8.count + suffix.utf8.count)), digest.count == 32
            else { throw ParseError(line: number, reason: "expected \"# SM3 (\(entry.name)) = <64 hex digits>\"") }
            sm3.append(digest)
        }
        var files: [FileEntry] = []
        for (index, entry) in sizes.enumerated() {
            number += 1
            guard let line = lines.popFirst(), line.hasSuffix("  " + entry.name),
                let digest = Hex.decode(line.dropLast(entry.name.utf8.count + 2)), digest.count == 32
            else { throw ParseError(line: number, reason: "expected \"<64 hex digits>  \(entry.name)\"") }
            files.append(FileEntry(name: entry.name, size: entry.size, sha256: digest, sm3: sm3[index]))
        }
        guard lines.isEmpty else { throw ParseError(line: number + 1, reason: "unexpected line") }
        self.init(
            part: part, exportName: exportName, origin: origin, created: created, kind: kind, asOf: asOf, treeSize: treeSize,
            rootHash: rootHash, entriesStart: entriesStart, entriesEnd: entriesEnd, previous: previous,
            enterpriseCount: enterpriseCount, listingCount: listingCount, openingCount: openingCount, files: files)
        // The parse is strict enough that only one text gives these values; checked anyway,
        // since the signatures are over the bytes.
        guard Array(self.text.utf8) == bytes else { throw ParseError(line: 1, reason: "not in canonical form") }
    }

    /// What does not fit together in the values (empty when all is well): the entries' end and
    /// the tree size, the kind and the entries' start, the previous tree and the tree size.
    public var problems: [String] {
        var problems: [String] = []
        if entriesEnd != treeSize { problems.append("the entries end at \(entriesEnd), not at the tree size \(treeSize)") }
        if entriesStart > entriesEnd { problems.append("the entries start at \(entriesStart), after their end \(entriesEnd)") }
        switch kind {
        case .full where entriesStart != 0:
            problems.append("a full export's entries start at 0, not \(entriesStart)")
        case .delta where previous == nil:
            problems.append("a delta export names no previous tree")
        case .delta where previous.map({ $0.size != entriesStart }) == true:
            problems.append("a delta's entries start at the previous tree size \(previous!.size), not \(entriesStart)")
        default:
            break
        }
        if let previous, previous.size > treeSize {
            problems.append("the previous tree (\(previous.size)) is larger than this one (\(treeSize))")
        }
        if entriesEnd >= entriesStart, openingCount > entriesEnd - entriesStart {
            problems.append("\(openingCount) openings for the \(entriesEnd - entriesStart) entries \(entriesStart)..<\(entriesEnd)")
        }
        return problems
    }

    private static func decimal(_ text: some StringProtocol) -> Int64? {
        guard let first = text.utf8.first, first != UInt8(ascii: "0") || text.utf8.count == 1,
            text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return Int64(text)
    }
}
