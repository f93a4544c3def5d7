import CanonicalJSON

/// Where an enterprise file sorts in `state.jsonl`: the files with a USCC first, by USCC, then
/// the files without one by organization code, each in byte order (SQLite's BINARY collation,
/// which the database sorts with). Equal keys may follow each other.
struct StateOrderKey: Comparable, CustomStringConvertible {
    /// 0 for a USCC, 1 for an organization code.
    let rank: Int
    let code: String

    /// The key of an enterprise file's JSON: its `uscc` string if it has one, else its `orgCode`
    /// string; nil if it has neither (or is not an object).
    init?(_ value: JSONValue) {
        self.init(uscc: value["uscc"]?.stringValue, orgCode: value["orgCode"]?.stringValue)
    }

    /// The key of a file with these codes; nil if it has neither.
    init?(uscc: String?, orgCode: String?) {
        if let uscc {
            rank = 0
            code = uscc
        } else if let orgCode {
            rank = 1
            code = orgCode
        } else {
            return nil
        }
    }

    static func < (a: StateOrderKey, b: StateOrderKey) -> Bool {
        a.rank != b.rank ? a.rank < b.rank : a.code.utf8.lexicographicallyPrecedes(b.code.utf8)
    }

    static func == (a: StateOrderKey, b: StateOrderKey) -> Bool {
        a.rank == b.rank && a.code.utf8.elementsEqual(b.code.utf8)
    }

    var description: String { rank == 0 ? "uscc \(code)" : "orgCode \(code) (no uscc)" }
}
