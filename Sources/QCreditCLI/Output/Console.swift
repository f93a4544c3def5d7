import CanonicalJSON
import QCreditDomain

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a command's results and failures go: results on stdout, failures on stderr, in the
/// form `--json` asks for.
///
/// Lines are written straight to the file descriptors, unbuffered: streamed replies must
/// appear as they arrive even when stdout is a pipe, and stdout and stderr must not be
/// reordered by separate buffers.
struct Console: Sendable {
    /// Results as JSON (one object per line) and failures as one JSON object on stderr.
    let json: Bool

    init(json: Bool) {
        self.json = json
        StandardOutput.reportsJSON.store(json, ordering: .relaxed)
    }

    /// Prints one line of human-readable output (nothing in JSON mode, where stdout holds
    /// only JSON).
    func line(_ text: String) {
        guard !json else { return }
        Self.emit(text + "\n", to: STDOUT_FILENO)
    }

    func lines(_ texts: [String]) {
        guard !json else { return }
        Self.emit(texts.map { $0 + "\n" }.joined(), to: STDOUT_FILENO)
    }

    /// Prints the reply: as JSON in JSON mode, else as `render` lays it out.
    func reply(_ parameters: [String: JSONValue], _ render: ([String: JSONValue]) -> [String]) {
        if json {
            jsonLine(.object(parameters))
        } else {
            lines(render(parameters))
        }
    }

    /// Prints one JSON value on one line, whatever the mode (for `call`, which always speaks JSON).
    func jsonLine(_ value: JSONValue) {
        Self.emit(value.jsonText + "\n", to: STDOUT_FILENO)
    }

    /// Reports a failure on stderr: its message, or its JSON object in JSON mode.
    func report(_ failure: Failure) {
        Self.emit((json ? failure.json.jsonText : Self.visible(failure.message)) + "\n", to: STDERR_FILENO)
    }

    /// `text` with its control characters but line breaks and tabs, and its bidirectional
    /// controls, written as escapes (`\u{1B}`): a message quotes what the user typed or the
    /// daemon answered, and an escape sequence in it (`ESC[2J`) must not drive the terminal,
    /// nor an override reorder the line.
    static func visible(_ text: String) -> String {
        var shown = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if (scalar.isControl && scalar != "\n" && scalar != "\t") || scalar.properties.isBidiControl {
                shown.append(contentsOf: scalar.escaped.unicodeScalars)
            } else {
                shown.append(scalar)
            }
        }
        return String(shown)
    }

    /// Writes all of `text`, retrying on interrupts. A write standard output refuses ends the
    /// command (``StandardOutput/failed(_:)``); one stderr refuses is let go (there is nowhere
    /// left to say so).
    static func emit(_ text: String, to descriptor: Int32) {
        if let error = writeAll(text, to: descriptor), descriptor == STDOUT_FILENO { StandardOutput.failed(error) }
    }

    /// Writes all of `text` to `descriptor`, retrying on interrupts and waiting out a full pipe
    /// when the descriptor was inherited non-blocking (a pipeline tool's: lines of `qcredit
    /// watch` were dropped then); the errno of a write the system refuses, else nil.
    static func writeAll(_ text: String, to descriptor: Int32) -> Int32? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { buffer -> Int32? in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    if errno == EAGAIN || errno == EWOULDBLOCK {
                        var ready = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                        _ = poll(&ready, 1, -1)
                        continue
                    }
                    return errno
                }
                offset += written
            }
            return nil
        }
    }
}
