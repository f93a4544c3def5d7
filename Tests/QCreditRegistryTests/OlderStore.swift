import Foundation
import GRDB
@testable import QCreditStore

/// A store as an older build left it, for migration tests: a database file in a temporary
/// directory, migrated up to `migration`, holding audit entry 1 and file 1 and whatever `fill`
/// adds. The test removes it (`defer { store.remove() }`).
struct OlderStore: Sendable {
    let directory: URL
    let path: String

    init(upTo migration: String, _ fill: @escaping @Sendable (Database) throws -> Void) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-migration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("registry.sqlite").path
        var configuration = Configuration()
        // The name index's triggers (migration 22 on) call it, as every registry connection has it.
        configuration.prepareDatabase { try NameIndexKey.install(on: $0) }
        let old = try DatabaseQueue(path: path, configuration: configuration)
        try SchemaMigrations.migrator.migrate(old, upTo: migration)
        try await old.write { db in
            try db.execute(sql: "INSERT INTO audit_entry (id, at, method, parameters) VALUES (1, 0, 'test', '{}')")
            try db.execute(sql: "INSERT INTO enterprise (id, audit_id) VALUES (1, 1)")
            try fill(db)
        }
        try old.close()
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
