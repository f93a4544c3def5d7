#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The group whose members may read the restricted part of exports (the daemon's
/// `[export] restrictedGroup`, `qcredit-auditor` under systemd).
///
/// ```swift
/// let group = RestrictedGroup(name: "qcredit-auditor", id: 985)
/// try ExportWriter.write(…, restrictedGroup: group)
/// ```
public struct RestrictedGroup: Sendable, Hashable {
    /// The group's name, for messages.
    public var name: String
    public var id: gid_t

    public init(name: String, id: gid_t) {
        self.name = name
        self.id = id
    }
}
