import QCreditConfig

#if canImport(Glibc)
    import Glibc
#endif

/// The open-file limit the connection limit needs. Each connection is a descriptor; past the
/// process's `RLIMIT_NOFILE` accept(2) fails (and pauses), and so would opening the database's
/// files or an export's, which is worse than a refused peer. So the soft limit is raised towards
/// the hard one when it is lower than needed (a shell's 1,024), and a `maxConnections` that even
/// the hard limit (the unit's `LimitNOFILE=16384`) cannot hold is refused at start.
enum DescriptorLimit {
    /// Descriptors kept beside the connections: the database and its readers' files, the WAL
    /// and its index, an export's dozen files, event loops' epoll and event descriptors, the
    /// listening socket, the log, systemd's notify socket.
    static let reserve = 256

    /// Glibc imports the resource as an enum case; the calls take its raw value.
    private static let openFiles = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)

    /// Raises the soft limit as needed, or throws naming the setting and the limit.
    static func ensure(maxConnections: Int) throws(ConfigurationError) {
        let needed = rlim_t(maxConnections) + rlim_t(reserve)
        var limit = rlimit()
        guard getrlimit(openFiles, &limit) == 0 else { return }
        if limit.rlim_cur >= needed { return }
        let raised = rlimit(rlim_cur: min(needed, limit.rlim_max), rlim_max: limit.rlim_max)
        if raised.rlim_cur > limit.rlim_cur, setrlimit(openFiles, [raised]) == 0 { limit = raised }
        guard limit.rlim_cur >= needed else {
            throw ConfigurationError(
                "limits.maxConnections (\(maxConnections)) needs \(needed) open files (\(reserve) kept for the database and "
                    + "exports), but this process may open \(limit.rlim_cur) (RLIMIT_NOFILE, at most \(limit.rlim_max), which "
                    + "the unit's LimitNOFILE= sets): lower maxConnections or raise the limit")
        }
    }
}
