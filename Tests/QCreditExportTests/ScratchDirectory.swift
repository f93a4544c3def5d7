import Foundation

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct ScratchDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-export-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    func path(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// A copy of the export `name` under `copy`, to tamper with.
    func copy(_ name: String, to copy: String) throws -> String {
        try FileManager.default.copyItem(atPath: path(name), toPath: path(copy))
        return path(copy)
    }
}
