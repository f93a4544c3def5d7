import Foundation
import PackagePlugin

/// Embeds the package's `Schema/*.sql` migrations into the target as `SchemaFiles.files`,
/// so the top-level `Schema/` folder stays the single source of the database schema.
@main
struct EmbedSchema: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let schemaDirectory = context.package.directoryURL.appendingPathComponent("Schema")
        let migrations = try FileManager.default.contentsOfDirectory(atPath: schemaDirectory.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
            .map { schemaDirectory.appendingPathComponent($0) }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("SchemaFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(migrations.count) schema migrations",
                executable: try context.tool(named: "embed-text").url,
                arguments: [output.path, "SchemaFiles", schemaDirectory.path] + migrations.map(\.path),
                inputFiles: migrations,
                outputFiles: [output]
            )
        ]
    }
}
