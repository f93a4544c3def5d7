import QCreditExport

extension ExportReport {
    /// The failed checks about `file`.
    func failures(for file: String) -> [ExportCheck] { failures.filter { $0.file == file } }

    /// The checks named `name`.
    func checks(_ name: ExportCheck.Name) -> [ExportCheck] { checks.filter { $0.name == name } }
}

/// Writes an export with the defaults the tests use.
func writeExport(
    _ source: InMemorySource, keys: TestKeys, into scratch: ScratchDirectory, name: String = "qcredit-export-test",
    kind: ExportKind = .full, previous: PreviousExport? = nil, created: String = "2026-11-27T02:00:00Z",
    restrictedGroup: RestrictedGroup? = nil
) throws -> ExportSummary {
    try ExportWriter.write(
        source: source, keys: keys.all, into: scratch.path, name: name, kind: kind, previous: previous, created: created,
        restrictedGroup: restrictedGroup)
}
