import FileSafety

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Private key files: PKCS#8 PEM, readable and writable by their owner only.
///
/// ```swift
/// try PrivateKeyFile.write(.ed25519(try Ed25519PrivateKey()), to: "/var/lib/qcredit/log.key")  // mode 0600
/// let key = try PrivateKeyFile.load(path: "/var/lib/qcredit/log.key")
/// ```
public enum PrivateKeyFile {
    /// Larger files are refused unread: a PEM private key is well under 1 KiB.
    static let maximumSize = 64 * 1024

    /// Reads a PKCS#8 PEM private key file (Ed25519 or SM2).
    ///
    /// Refuses, before reading a byte, a file whose mode gives group or others any access
    /// (like OpenSSH: the error names the file and its mode, e.g. "mode 0644 lets group or others
    /// access it; run chmod 600 FILE"), and anything that is not a regular file. A symbolic link
    /// is followed and its target judged. The checks run on the opened descriptor, so the file
    /// cannot be swapped between check and read.
    /// The file must also belong to the user reading it, to root, or to one of `alsoOwnedBy`
    /// (a restore run as root reads the daemon user's keys): a key another user owns is a key
    /// that user can rewrite, so the log would sign with whatever they chose.
    public static func load(path: String, alsoOwnedBy: Set<uid_t> = []) throws -> PrivateKey {
        let operation = "loading private key file \(path)"
        // O_NONBLOCK: opening a FIFO must fail the type check below, not hang.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else { throw CryptoError(operation: operation, reason: systemError(errno)) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw CryptoError(operation: operation, reason: systemError(errno)) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw CryptoError(operation: operation, reason: "it is \(fileType(status.st_mode)), not a regular file")
        }
        guard status.st_uid == geteuid() || status.st_uid == 0 || alsoOwnedBy.contains(status.st_uid) else {
            throw CryptoError(
                operation: operation,
                reason: "it belongs to uid \(status.st_uid), not to the user reading it (uid \(geteuid())) or root: "
                    + "that user could change the key; run chown to the daemon's user")
        }
        // The folders to it too, and its links: one another user owns or may write lets them
        // swap the file for a key they know between two starts.
        if let problem = TrustedPath.problem(ofFile: path, alsoTrusted: alsoOwnedBy) {
            throw CryptoError(operation: operation, reason: "\(problem): another user could swap the key")
        }
        let mode = status.st_mode & 0o7777
        guard mode & 0o077 == 0 else {
            throw CryptoError(
                operation: operation,
                reason: "mode \(octal(mode)) lets group or others access it; run chmod 600 \(path)"
            )
        }
        guard Int(status.st_size) <= maximumSize else {
            throw CryptoError(operation: operation, reason: "it is \(status.st_size) bytes, more than a private key can be")
        }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw CryptoError(operation: operation, reason: systemError(errno))
            }
            if count == 0 { break }
            contents += buffer.prefix(count)
            guard contents.count <= maximumSize else {
                throw CryptoError(operation: operation, reason: "it is larger than a private key can be")
            }
        }
        do {
            return try PrivateKey(pkcs8PEM: String(decoding: contents, as: UTF8.self))
        } catch let error as CryptoError {
            throw CryptoError(operation: operation, reason: error.reason)
        }
    }

    /// Writes `key` as PKCS#8 PEM to a new file at `path`, mode 0600, refusing to replace
    /// anything already there (even a dangling symbolic link).
    ///
    /// The key goes to a temporary file in the same directory, created with mode 0600 (and
    /// `fchmod`ed to exactly that, whatever the umask), flushed with `fsync`, then linked into
    /// place; the directory is synced too. Why `link` rather than `rename`: `rename` would
    /// silently replace a file created at `path` meanwhile, `link` fails instead.
    public static func write(_ key: PrivateKey, to path: String) throws {
        let operation = "writing private key file \(path)"
        try refuseExisting(path, operation: operation)
        try writeNew(Array(try key.pkcs8PEM().utf8), mode: 0o600, to: path, operation: operation)
    }

    /// Writes `bytes` as a new file at `path` with `mode`, never replacing anything there: the
    /// bytes go to a temporary file beside it, synced, then linked to `path` (which fails if a
    /// file appeared there meanwhile). A failure leaves nothing under `path`, so a disk that
    /// fills part way never leaves an empty or half key file behind (a public key's file too).
    public static func writeNew(_ bytes: [UInt8], mode: mode_t, to path: String, operation: String) throws {
        guard !path.isEmpty, !path.hasSuffix("/") else {
            throw CryptoError(operation: operation, reason: "the path does not name a file")
        }
        try refuseExisting(path, operation: operation)
        let directory: String
        let name: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
            name = String(path[path.index(after: slash)...])
        } else {
            directory = "."
            name = path
        }
        let suffix = String(UInt64.random(in: .min ... .max), radix: 16)
        let temporary = (directory == "/" ? "" : directory) + "/.\(name).tmp-\(suffix)"

        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw CryptoError(operation: operation, reason: "cannot create a file in \(directory): \(systemError(errno))")
        }
        var linked = false
        defer { if !linked { unlink(temporary) } }
        do {
            defer { close(descriptor) }
            guard fchmod(descriptor, mode) == 0 else { throw CryptoError(operation: operation, reason: systemError(errno)) }
            var offset = 0
            while offset < bytes.count {
                let count = bytes[offset...].withUnsafeBytes { posixWrite(descriptor, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw CryptoError(operation: operation, reason: systemError(errno))
                }
                offset += count
            }
            guard fsync(descriptor) == 0 else { throw CryptoError(operation: operation, reason: systemError(errno)) }
        }
        guard link(temporary, path) == 0 else {
            let error = errno
            throw CryptoError(
                operation: operation,
                reason: error == EEXIST ? "the file already exists; refusing to overwrite it" : systemError(error)
            )
        }
        linked = true
        unlink(temporary)
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            // Makes the new name durable; failure here does not undo a complete, linked file.
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// lstat, not a test that follows links: a dangling symbolic link is in the way too.
    private static func refuseExisting(_ path: String, operation: String) throws {
        var existing = stat()
        if lstat(path, &existing) == 0 {
            throw CryptoError(operation: operation, reason: "the file already exists; refusing to overwrite it")
        }
    }

    /// The system's text in lower case, to continue a sentence: "no space left on device".
    private static func systemError(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    private static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func fileType(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        default: "a special file"
        }
    }
}

/// `write(2)`, named apart from ``PrivateKeyFile/write(_:to:)`` which shadows it inside the enum.
private func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
