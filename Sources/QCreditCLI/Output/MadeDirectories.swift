import Foundation
import QCreditLog

/// The directories a command made for its output, so that a command that fails can take back
/// those still empty and leave the disk as it found it. `rmdir(2)` removes only an empty
/// directory: anything another process put there meanwhile stays.
struct MadeDirectories {
    /// The directories made, deepest first.
    let made: [String]

    /// Makes `path` and its missing parents with `mode` (Foundation's error when it cannot).
    static func make(_ path: String, mode: Int) throws -> MadeDirectories {
        var missing: [String] = []
        var folder = path
        var status = stat()
        while !folder.isEmpty, folder != "/", lstat(folder, &status) != 0 {
            missing.append(folder)
            // Not NSString's deletingLastPathComponent, which traps on a one-character path (FilePaths).
            folder = FilePaths.parent(of: folder)
        }
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        return MadeDirectories(made: missing)
    }

    /// Removes the directories made, deepest first, while they are empty (one already removed,
    /// with what it held, is passed over).
    func removeEmpty() {
        for folder in made where rmdir(folder) != 0 && errno != ENOENT { break }
    }
}
