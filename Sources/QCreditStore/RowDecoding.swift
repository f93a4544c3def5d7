import CanonicalJSON
import Foundation
import GRDB
import QCreditDomain

/// Typed access to stored columns that names the row and column when a value is corrupt.
struct RowDecoder {
    let row: Row
    let table: String

    private var id: String { (row["id"] as DatabaseValue?).map { "\($0)" } ?? "?" }

    func int64(_ column: String) throws -> Int64 {
        guard let value: Int64 = row[column] else { throw corrupt(column) }
        return value
    }

    func optionalInt64(_ column: String) -> Int64? { row[column] }

    func string(_ column: String) throws -> String {
        guard let value: String = row[column] else { throw corrupt(column) }
        return value
    }

    func optionalString(_ column: String) -> String? { row[column] }

    func instant(_ column: String) throws -> Instant { Instant(secondsSinceEpoch: try int64(column)) }

    func date(_ column: String) throws -> CivilDate {
        guard let date = CivilDate(iso: try string(column)) else { throw corrupt(column) }
        return date
    }

    func optionalDate(_ column: String) throws -> CivilDate? {
        guard let text = optionalString(column) else { return nil }
        guard let date = CivilDate(iso: text) else { throw corrupt(column) }
        return date
    }

    func value<T: RawRepresentable>(_ column: String, as type: T.Type = T.self) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: try string(column)) else { throw corrupt(column) }
        return value
    }

    func optionalValue<T: RawRepresentable>(_ column: String, as type: T.Type = T.self) throws -> T?
    where T.RawValue == String {
        guard let text = optionalString(column) else { return nil }
        guard let value = T(rawValue: text) else { throw corrupt(column) }
        return value
    }

    func json(_ column: String) throws -> JSONValue {
        guard let data: Data = row[column], let value = try? JSONValue.parse(data) else { throw corrupt(column) }
        return value
    }

    func corrupt(_ column: String) -> StoreError { .corruptRow(table: table, id: id, column: column) }

    // By position: the value in the row's column `index`, `column` naming it in errors. A look-up
    // by name hashes the name for every value it reads, which was a sixth of deciding a batch of
    // grades (`RegistryReader.gradeInputs`).

    func int64(at index: Int, _ column: String) throws -> Int64 {
        guard let value: Int64 = row[index] else { throw corrupt(column) }
        return value
    }

    func string(at index: Int, _ column: String) throws -> String {
        guard let value: String = row[index] else { throw corrupt(column) }
        return value
    }

    func optionalString(at index: Int) -> String? { row[index] }

    func instant(at index: Int, _ column: String) throws -> Instant {
        Instant(secondsSinceEpoch: try int64(at: index, column))
    }

    func optionalDate(at index: Int, _ column: String) throws -> CivilDate? {
        guard let text = optionalString(at: index) else { return nil }
        guard let date = CivilDate(iso: text) else { throw corrupt(column) }
        return date
    }

    func value<T: RawRepresentable>(at index: Int, _ column: String, as type: T.Type = T.self) throws -> T
    where T.RawValue == String {
        guard let value = T(rawValue: try string(at: index, column)) else { throw corrupt(column) }
        return value
    }
}
