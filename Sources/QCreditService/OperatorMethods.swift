import CanonicalJSON
import Foundation
import Logging
import QCreditDomain
import QCreditLog
import QCreditRegistry
import QCreditStore
import Varlink

/// `org.qcredit.operator`: health, exports, backups, maintenance.
enum OperatorMethods {
    static let roles: Set<Role> = [.operator]
    /// Backup bytes per reply (base64 makes it a third larger on the wire).
    static let chunkSize = 1 << 20
    /// The clock's problem, when `GetStatus` sees it first, is logged as maintenance logs it.
    static let maintenanceLogger = Logger(label: "qcredit.maintenance")

    /// An export as `ExportStatus` has it.
    static func exportStatus(_ export: ExportWritten) -> JSONValue {
        ["name": .string(export.name), "kind": .string(export.kind), "treeSize": .int(export.treeSize), "created": .string(export.created)]
    }

    static func method(_ name: String, _ run: @escaping RegistryMethod.Run) -> RegistryMethod {
        RegistryMethod("\(RegistryInterfaces.operator).\(name)", roles: roles, run)
    }

    static let all: [RegistryMethod] = [
        method("GetStatus") { registry, call in
            let operations = call.operations
            operations.health.checkClock(of: registry, logger: Self.maintenanceLogger)
            let counts = try await registry.counts()
            let (enterprises, events, listed, logSize) = (counts.enterprises, counts.qualityEvents, counts.listed, counts.logSize)
            let checkpoint = try await call.log.latestCheckpoint()
            let pending = try await registry.repairApplications(pendingOnly: true)
            let today = registry.today
            let lastExport = operations.exports.latestExport()
            let newestExportWritten = try await operations.exports.newestWritten()
            let now = registry.clock.now()
            try await call.reply([
                "version": .string(operations.version), "startedAt": .string(operations.startedAt.rfc3339),
                "uptimeSeconds": .int((ContinuousClock.now - operations.startedOnMonotonicClock).components.seconds),
                "developmentMode": .bool(operations.developmentMode), "origin": .string(call.log.origin),
                "policyVersion": .string(registry.policy.version), "stateDirectory": .string(operations.stateDirectory),
                "enterprises": .int(Int64(enterprises)), "qualityEvents": .int(Int64(events)),
                "listed": .object(listed.mapValues { .int(Int64($0)) }), "logSize": .int(logSize),
                "checkpoint": checkpoint.map {
                    ["size": .int($0.size), "signedAt": .string(Instant(secondsSinceEpoch: $0.signedAt).rfc3339)]
                } ?? .null,
                "lastExport": lastExport.map(Self.exportStatus) ?? .null,
                "newestExportWritten": newestExportWritten.map(Self.exportStatus) ?? .null,
                "pendingRepairs": .int(Int64(pending.count)),
                "overdueRepairs": .array(
                    pending.filter { $0.isOverdue(on: today) }.map {
                        [
                            "applicationId": .int($0.id), "listingId": .int($0.listingId),
                            "appliedOn": .string($0.appliedOn.description), "decideBy": .string($0.decideBy.description),
                        ]
                    }),
                "problems": .array(
                    operations.health.current.map {
                        [
                            "work": .string($0.work.rawValue), "since": .string($0.since.rfc3339),
                            "lastFailure": .string($0.lastFailure.rfc3339), "failures": .int(Int64($0.failures)),
                            "reason": .string($0.reason),
                        ]
                    }),
            ])
        },
        method("Export") { _, call in
            let full = try call.parameters.optionalBool("full") ?? false
            let result: [String: JSONValue]
            do {
                // The nightly timer's caller may keep no output: a failing export shows in GetStatus until one succeeds.
                result = try await call.operations.health.tracking(.export) { try await call.operations.exports.export(full: full) }
            } catch let error as VarlinkError {
                throw error
            } catch {
                // Whatever stopped it (a full disk, an opening that no longer opens its leaf) is the reason.
                throw VarlinkError(name: "\(RegistryInterfaces.operator).ExportFailed", parameters: ["reason": .string("\(error)")])
            }
            try await call.reply(result)
        },
        method("Backup") { _, call in
            guard call.replies.acceptsMore else { throw VarlinkError.expectedMore() }
            let snapshot: BackupService.Snapshot
            do {
                snapshot = try await call.operations.backup.snapshot()
            } catch {
                throw backupFailed("\(error)", call)
            }
            defer { snapshot.remove() }
            for (position, file) in snapshot.files.enumerated() {
                guard let handle = FileHandle(forReadingAtPath: file.path) else {
                    throw backupFailed("cannot read \(file.path)", call)
                }
                defer { try? handle.close() }
                var offset = 0
                repeat {
                    // Sending a large copy takes minutes too; the client keeps nothing of an unfinished one.
                    if call.operations.backup.isStopping { throw backupFailed("\(StoreError.backupStopped)", call) }
                    let data = try await blocking { try handle.read(upToCount: chunkSize) ?? Data() }
                    let last = position == snapshot.files.count - 1 && offset + data.count >= file.size
                    try await call.replies.send(
                        [
                            "file": .string(file.name), "offset": .int(Int64(offset)), "size": .int(Int64(file.size)),
                            "data": .string(data.base64EncodedString()),
                        ], continues: !last)
                    offset += data.count
                } while offset < file.size
            }
            call.operations.backup.logSent(snapshot, to: call.caller.peer)
        },
        method("RunMaintenance") { registry, call in
            let summary = try await registry.runMaintenance(by: call.caller)
            // What time decides includes the grades: the files due are regraded now, not at
            // the scheduled time (which then finds them fresh).
            let regrade = try await registry.regradeDueFiles(by: call.caller)
            await AdminMethods.withdrawUndisclosedExports(call)
            try await call.reply([
                "expired": .array(summary.expired.map { .int($0) }), "escalated": .array(summary.escalated.map { .int($0) }),
                "recomputed": .int(Int64(regrade.recomputed)), "regraded": .int(Int64(regrade.published)),
            ])
        },
    ]

    static func backupFailed(_ reason: String, _ call: RegistryCall) -> VarlinkError {
        call.operations.backup.logFailure(reason)
        return VarlinkError(name: "\(RegistryInterfaces.operator).BackupFailed", parameters: ["reason": .string(reason)])
    }
}
