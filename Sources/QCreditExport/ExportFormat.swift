#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

import QCreditCrypto

/// The signed export, format 2: the contract auditors rely on.
///
/// One export run writes two directories of the same name (see ``isValidExportName(_:)``):
/// - the **public export** `<exports>/<name>`: the registry's public state as a bank sees it on
///   the as-of date, a stretch of the transparency log (every leaf, and the openings disclosed
///   that day), and a manifest signed by the log's keys;
/// - the **restricted part** `<exports>/restricted/<name>`, for auditors only: every opening the
///   registry holds for the same entries, and every published listing with its whole history.
///
/// Both can be checked offline with `qcredit verify` (``ExportVerifier``; `--restricted` for the
/// part) or with stock tools.
///
/// ## Writing
///
/// Each directory is written under the temporary name `.<name>.partial` beside where it goes,
/// every file is `fsync`ed, then it is renamed to `<name>` (never replacing anything) and its
/// parent `fsync`ed: the restricted part first, then the public export, so a public export never
/// appears without its part. A writer (and prune) holds an exclusive `flock` on the exports
/// directory while it works; a second one is refused rather than made to wait. Prune removes a
/// restricted part with its public export, and a part whose export never appeared.
///
/// | what | mode | group |
/// |---|---|---|
/// | public export directory | 0755 | the daemon's |
/// | public files | 0644 | the daemon's |
/// | `restricted/` | 0750 when the writer creates it (systemd's tmpfiles.d makes it 2750 `qcredit-auditor`) | `[export] restrictedGroup` |
/// | each restricted part | 0750 | `[export] restrictedGroup`, else inherited from `restricted/` (setgid) or the daemon's |
/// | restricted files | 0640 | as their part |
///
/// ## Files of the public export
///
/// All text is UTF-8 and every line, the last included, ends with `"\n"`.
///
/// | file | contents |
/// |---|---|
/// | `state.jsonl` | One RFC 8785 canonical JSON object per line per enterprise file, as a bank sees it on the as-of date, sorted by USCC, then the files without a USCC by organization code (byte order). |
/// | `listings.jsonl` | One canonical JSON object per listing the public sees on the as-of date, with its whole history, by listing id. |
/// | `entries.jsonl` | Log entries `start..<end`: line k is entry `start + k`, exactly the leaf's bytes, `{"commitment":"<base64 SHA-256(salt ‖ record)>","format":2}` (``LeafCommitment``). |
/// | `openings.jsonl` | The openings of those entries disclosed to the public on the as-of date, by index: `{"index":N,"record":{…},"salt":"<base64 of 32 bytes>"}`, canonical; the record's exact bytes are the RFC 8785 form of `record`, and SHA-256(salt ‖ record bytes) is the commitment of entry N. |
/// | `checkpoint` | The C2SP signed checkpoint note for tree size `end`, verbatim. |
/// | `tree-start` | The base64 hashes, one per line, left to right, of `MerkleTree.rootNodes(size: start)`: the compact range the entries extend. Empty when start = 0. |
/// | `consistency-proof` | The RFC 9162 consistency proof from the previous export's tree size to `end`, base64, one hash per line. Empty without a previous export, when the sizes are equal, or when the previous tree is empty. |
/// | `verifier-keys` | One line per signing key: `<type> <verifier key>`, type `ed25519` or `sm2`. |
/// | `<type>-<key id>.pub.pem` | Each key's SubjectPublicKeyInfo PEM, for `openssl` (key id: 8 lower-case hex digits). |
/// | `MANIFEST` | Metadata and the size, SM3 and SHA-256 of every other file (below). |
/// | `MANIFEST.<type>-<key id>.sig` | Each key's detached signature over the exact bytes of `MANIFEST`: raw 64-byte Ed25519, or DER SM2-with-SM3 with distinguishing ID `1234567812345678`. |
///
/// Keys published in an export are a convenience: auditors obtain the verifier keys out of band
/// and check the signatures with those.
///
/// ## Files of the restricted part
///
/// | file | contents |
/// |---|---|
/// | `openings.jsonl` | Every opening the registry holds for entries `start..<end`, in the public file's line form (a complete part has one per entry). |
/// | `listings.jsonl` | Every published listing with its whole history, by listing id, each with `"disclosed"`: whether the public sees it on the as-of date. |
/// | `verifier-keys`, `<type>-<key id>.pub.pem` | As in the public export. |
/// | `MANIFEST`, `MANIFEST.<type>-<key id>.sig` | As in the public export (below), signed by the same keys. |
///
/// ## MANIFEST
///
/// ```text
/// # qcredit export manifest, format 2
/// # part restricted                          (restricted part only)
/// # export <name of the public export>       (restricted part only)
/// # origin <origin>
/// # created <RFC 3339 UTC, seconds, e.g. 2026-11-27T02:00:00Z>
/// # kind <full|delta>
/// # as-of <YYYY-MM-DD>
/// # tree-size <end>
/// # root <base64 root hash of the checkpoint>
/// # entries <start> <end>
/// # previous <previous tree size> <base64 previous root>     (or: # previous none)
/// # enterprises <lines of state.jsonl>       (public export only)
/// # listings <lines of listings.jsonl>
/// # openings <lines of openings.jsonl>
/// # size <file> <bytes>                     one line per file
/// # SM3 (<file>) = <lower-case hex>           one line per file
/// <lower-case hex SHA-256>  <file>          one line per file (GNU coreutils format)
/// ```
///
/// Each of the three lists covers every file except `MANIFEST` and the signatures, in byte order
/// of the names. A full export has start 0; a delta starts at the previous export's tree size.
/// The restricted part's values from `# origin` to `# previous` are its public export's. With
/// the same source data two exports differ only in the `# created` line (and so in the
/// signatures, which for SM2 are randomised anyway): salts are stored with their records, not
/// made per export.
///
/// ## Checking with stock tools
///
/// In either directory:
///
/// ```sh
/// sha256sum -c --strict MANIFEST                                   # ignores the "#" lines
/// grep '^# SM3 ' MANIFEST | cut -c3- | cksum --check --strict      # GNU coreutils ≥ 9.0
/// openssl pkeyutl -verify -rawin -pubin -inkey ed25519-<id>.pub.pem -in MANIFEST -sigfile MANIFEST.ed25519-<id>.sig
/// openssl pkeyutl -verify -rawin -digest sm3 -pubin -inkey sm2-<id>.pub.pem \
///     -pkeyopt distid:1234567812345678 -in MANIFEST -sigfile MANIFEST.sm2-<id>.sig
/// ```
///
/// The checkpoint opens with Go's `golang.org/x/mod/sumdb/note` and the Ed25519 verifier key, and
/// `consistency-proof` checks with `sumdb/tlog.CheckTree` against the previous export's checkpoint.
///
/// ```swift
/// let name = ExportFormat.exportName(created: "2026-11-27T02:00:00Z", kind: .full)
/// // "qcredit-export-20261127T020000Z-full"
/// ```
public enum ExportFormat {
    /// The format number in the MANIFEST's first line.
    public static let version = 2
    /// The MANIFEST's first line, newline excluded.
    public static let manifestHeader = "# qcredit export manifest, format 2"

    public static let manifestFile = "MANIFEST"
    public static let stateFile = "state.jsonl"
    public static let listingsFile = "listings.jsonl"
    public static let entriesFile = "entries.jsonl"
    public static let openingsFile = "openings.jsonl"
    public static let checkpointFile = "checkpoint"
    public static let treeStartFile = "tree-start"
    public static let consistencyProofFile = "consistency-proof"
    public static let verifierKeysFile = "verifier-keys"

    /// Every export directory's name starts with this; ``ExportWriter/prune(exportsDirectory:retain:)``
    /// considers nothing else.
    public static let namePrefix = "qcredit-export-"

    /// The directory in the exports directory that holds the restricted parts.
    public static let restrictedDirectory = "restricted"

    /// The modes of what the writer creates: the public export, and the restricted part (which
    /// only the auditors' group may read).
    static let publicDirectoryMode: mode_t = 0o755
    static let publicFileMode: mode_t = 0o644
    static let restrictedDirectoryMode: mode_t = 0o750
    static let restrictedFileMode: mode_t = 0o640

    /// The files every export of `part` has besides the key files, MANIFEST and the signatures.
    static func fixedFiles(of part: ExportPart) -> [String] {
        switch part {
        case .public:
            [stateFile, listingsFile, entriesFile, openingsFile, checkpointFile, treeStartFile, consistencyProofFile, verifierKeysFile]
        case .restricted:
            [listingsFile, openingsFile, verifierKeysFile]
        }
    }

    /// `<type>-<8 hex key id>.pub.pem`.
    public static func publicKeyFileName(type: ExportKeyType, keyID: UInt32) -> String {
        "\(type.rawValue)-\(Hex.keyID(keyID)).pub.pem"
    }

    /// `MANIFEST.<type>-<8 hex key id>.sig`.
    public static func signatureFileName(type: ExportKeyType, keyID: UInt32) -> String {
        "\(manifestFile).\(type.rawValue)-\(Hex.keyID(keyID)).sig"
    }

    /// Whether `name` is a signature file's name, `MANIFEST.<type>-<8 hex key id>.sig`.
    static func isSignatureFileName(_ name: String) -> Bool {
        // `MANIFEST.<type>-<key ID: 8 lower-case hex digits>.sig`, as the writer names them: any
        // other `MANIFEST.*.sig` is an unlisted file like any other.
        let prefix = manifestFile + "."
        guard name.hasPrefix(prefix), name.hasSuffix(".sig") else { return false }
        let middle = name.dropFirst(prefix.count).dropLast(4)
        guard let dash = middle.lastIndex(of: "-"), ExportKeyType(rawValue: String(middle[..<dash])) != nil else { return false }
        let keyId = middle[middle.index(after: dash)...]
        return keyId.utf8.count == 8 && keyId.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The temporary name an export is written under: `.<name>.partial`.
    public static func partialName(for name: String) -> String { ".\(name).partial" }

    /// The temporary name an export being pruned is moved to before its files are removed, so
    /// that a half-removed export never looks complete: `.<name>.deleting`.
    static func deletingName(for name: String) -> String { ".\(name).deleting" }

    /// Whether `name` is one of the temporary names above (``partialName(for:)``,
    /// ``deletingName(for:)``): an export being written or removed, or left so by a crash.
    public static func isTemporaryName(_ name: String) -> Bool {
        guard name.hasPrefix("." + namePrefix) else { return false }
        for suffix in [".partial", ".deleting"] where name.hasSuffix(suffix) {
            return isValidExportName(String(name.dropFirst().dropLast(suffix.count)))
        }
        return false
    }

    /// Whether `name` may name an export: ``namePrefix`` followed by at least one of
    /// `A–Z a–z 0–9 . _ -`, 255 bytes at most.
    public static func isValidExportName(_ name: String) -> Bool {
        guard name.hasPrefix(namePrefix), name.utf8.count > namePrefix.utf8.count, name.utf8.count <= 255 else {
            return false
        }
        return name.utf8.allSatisfy(isNameByte)
    }

    /// Whether `name` may name a file inside an export (as listed in a MANIFEST): 1–255 bytes of
    /// `A–Z a–z 0–9 . _ -`, not starting with a dot. Why so strict: the verifier opens the files
    /// a MANIFEST names, and such names cannot leave the directory.
    static func isValidFileName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first != UInt8(ascii: "."), name.utf8.count <= 255 else { return false }
        return name.utf8.allSatisfy(isNameByte)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    /// The conventional export name for a creation time and kind:
    /// `qcredit-export-<YYYYMMDD>T<HHMMSS>Z-<kind>`, so names sort by creation time.
    ///
    /// - Precondition: `created` is a valid ``timestamp(secondsSince1970:)`` (see ``isValidTimestamp(_:)``).
    public static func exportName(created: String, kind: ExportKind) -> String {
        precondition(isValidTimestamp(created), "not an RFC 3339 UTC timestamp: \(created)")
        let compact = created.filter { $0 != "-" && $0 != ":" }
        return "\(namePrefix)\(compact)-\(kind.rawValue)"
    }

    /// Whether `name` is `base` (``exportName(created:kind:)``) or the name a second, third, …
    /// export created in the same second was given after it: `base-2`, `base-3`, ….
    public static func isName(_ name: String, givenAfter base: String) -> Bool {
        guard name != base else { return true }
        guard name.hasPrefix(base + "-") else { return false }
        let suffix = name.dropFirst(base.count + 1)
        guard suffix.first != "0", suffix.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let n = Int(suffix) else { return false }
        return n >= 2
    }

    /// An RFC 3339 UTC timestamp to the second, `YYYY-MM-DDTHH:MM:SSZ`, as the MANIFEST's
    /// `# created` line holds it.
    ///
    /// ```swift
    /// ExportFormat.timestamp(secondsSince1970: 1_795_744_800)   // "2026-11-27T02:00:00Z"
    /// ```
    public static func timestamp(secondsSince1970 seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return "\(digits(Int(parts.tm_year) + 1900, 4))-\(digits(Int(parts.tm_mon) + 1, 2))-\(digits(Int(parts.tm_mday), 2))"
            + "T\(digits(Int(parts.tm_hour), 2)):\(digits(Int(parts.tm_min), 2)):\(digits(Int(parts.tm_sec), 2))Z"
    }

    /// The current time as ``timestamp(secondsSince1970:)`` writes it.
    public static func currentTimestamp() -> String {
        timestamp(secondsSince1970: Int64(time(nil)))
    }

    /// Whether `text` is `YYYY-MM-DDTHH:MM:SSZ` with a valid date and time (no leap seconds).
    public static func isValidTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "Z"),
            isValidDate(bytes[0..<10]),
            let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]), let second = number(bytes[17..<19])
        else { return false }
        return hour < 24 && minute < 60 && second < 60
    }

    /// Whether `text` is a calendar date `YYYY-MM-DD`, as the MANIFEST's `# as-of` line holds it.
    public static func isValidDate(_ text: String) -> Bool { isValidDate(Array(text.utf8)[...]) }

    private static func isValidDate(_ bytes: ArraySlice<UInt8>) -> Bool {
        let start = bytes.startIndex
        guard bytes.count == 10, bytes[start + 4] == UInt8(ascii: "-"), bytes[start + 7] == UInt8(ascii: "-"),
            let year = number(bytes[start..<(start + 4)]), let month = number(bytes[(start + 5)..<(start + 7)]),
            let day = number(bytes[(start + 8)..<(start + 10)]), (1...12).contains(month), day >= 1
        else { return false }
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    private static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
