import Foundation
import PackagePlugin

/// Embeds the target's text resources (`*.varlink`, `*.toml`, `*.sql`) into it as
/// `EmbeddedResources.files`, keyed by their path inside the target. The target excludes the
/// folders holding them, so SwiftPM does not treat them as bundle resources.
@main
struct EmbedResources: BuildToolPlugin {
    static let extensions: Set<String> = ["varlink", "toml", "sql"]

    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let root = target.directoryURL
        var files: [URL] = []
        if let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) {
            for case let url as URL in walker where Self.extensions.contains(url.pathExtension) {
                files.append(url)
            }
        }
        files.sort { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedResources.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) resources into \(target.name)",
                executable: try context.tool(named: "embed-text").url,
                arguments: [output.path, "EmbeddedResources", root.path] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
