/// Path arithmetic on strings, for paths a user types.
public enum FilePaths {
    /// The folder part of `path`, as `NSString.deletingLastPathComponent` gives it: "" for a
    /// name with no folder, "/" for a name at the root, trailing slashes ignored.
    ///
    /// That method traps on a path of one character before its slashes ("a", ".", "a/") in this
    /// toolchain's Foundation (swift-corelibs-foundation of Swift 6.3), so `qcreditd --socket q`
    /// crashed: paths given on a command line go through this instead.
    ///
    /// ```swift
    /// FilePaths.parent(of: "exports/e")  // "exports"
    /// FilePaths.parent(of: "q")          // ""
    /// ```
    public static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        var parent = trimmed[..<slash]
        while parent.count > 1, parent.hasSuffix("/") { parent = parent.dropLast() }
        return parent.isEmpty ? "/" : String(parent)
    }
}
