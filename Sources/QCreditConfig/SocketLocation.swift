/// Where the daemon's socket is, found the same way by `qcreditd` and `qcredit`: the
/// `--socket` flag, else `$QCREDIT_SOCKET`, else the config file's `socket` (daemon only),
/// else `/run/qcredit/qcreditd.sock`.
public enum SocketLocation {
    public static let environmentVariable = "QCREDIT_SOCKET"

    public static func resolve(flag: String?, environment: [String: String], configured: String? = nil) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let value = environment[environmentVariable], !value.isEmpty { return value }
        return configured ?? DaemonConfiguration.defaultSocketPath
    }
}
