import Foundation

/// Files of an export.
enum Files {
    static func names(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted {
            $0.utf8.lexicographicallyPrecedes($1.utf8)
        }
    }

    /// What an exports directory holds besides `restricted/` itself: its entries, and those of
    /// `restricted/` as `restricted/<name>`.
    static func exportsDirectoryContents(_ directory: String) throws -> [String] {
        let restricted = directory + "/restricted"
        let parts = FileManager.default.fileExists(atPath: restricted) ? try names(in: restricted).map { "restricted/" + $0 } : []
        return try names(in: directory).filter { $0 != "restricted" } + parts
    }

    /// The group of a file.
    static func group(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.groupOwnerAccountID] as? NSNumber)?.intValue ?? -1
    }

    static func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func text(_ path: String) throws -> String { String(decoding: try read(path), as: UTF8.self) }

    /// Flips the low bit of the byte in the middle of the file (the first byte of an empty file
    /// cannot be flipped: a byte is added instead).
    static func flipByte(in path: String) throws {
        var bytes = try read(path)
        if bytes.isEmpty {
            bytes = [UInt8(ascii: "\n")]
        } else {
            bytes[bytes.count / 2] ^= 0x01
        }
        try write(bytes, to: path)
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }
}
