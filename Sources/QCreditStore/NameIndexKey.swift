import GRDB
import QCreditDomain

/// The form of a name the trigram index holds (Schema/0022): ``NameMatch/fold(_:)``, the form
/// names and queries are compared in — full-width ASCII as ASCII, every run of white space
/// (U+3000 included) as one space, lower case.
///
/// Indexed as registered, a name mixing forms (`IBM（中国）有限公司`, ASCII letters beside
/// full-width brackets) or holding an ideographic space was found only by queries long enough
/// to be cut into pieces: no one form of a short query held its trigrams. Both sides folded the
/// same way, a query's trigrams are the folded name's whatever forms either was typed in.
///
/// ```swift
/// NameIndexKey.of("IBM（中国）有限公司")   // "ibm(中国)有限公司"
/// ```
enum NameIndexKey {
    /// The SQL function `qcredit_name_key(name)` the index is written with; every connection of
    /// a ``RegistryDatabase`` has it (an `sqlite3` shell does not, and needs it only to add names).
    static let function = DatabaseFunction("qcredit_name_key", argumentCount: 1, pure: true) { values in
        guard let name = String.fromDatabaseValue(values[0]) else { return nil }
        return of(name)
    }

    static func of(_ name: String) -> String { NameMatch.fold(name) }
}
