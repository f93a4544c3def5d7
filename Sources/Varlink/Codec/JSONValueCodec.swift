import CanonicalJSON
import NIOCore

/// The default codec: parses frames into ``JSONValue`` and prints with its writer.
///
/// Calls are read leniently where the protocol allows it: unknown top-level members (vendor
/// extensions) are ignored, and `parameters`, `more`, `oneway`, `upgrade` may be `null`.
/// Replies always carry `parameters` (possibly `{}`); `continues` and `error` appear only when set.
public struct JSONValueCodec: VarlinkCodec, VarlinkClientCodec {
    /// Nesting deeper than this is malformed (and closes the connection).
    public var maxDepth: Int

    public init(maxDepth: Int = 64) {
        self.maxDepth = maxDepth
    }

    public func decodeCall(_ frame: ByteBuffer) throws(VarlinkDecodeError) -> VarlinkCall {
        // Most calls have one plain shape; reading it directly skips the value tree.
        if let call = frame.withUnsafeReadableBytes(FlatCallScanner.scan) { return call }
        return try decodeCallWithParser(frame)
    }

    /// ``decodeCall(_:)`` through the full parser, for every shape the scanner leaves to it.
    func decodeCallWithParser(_ frame: ByteBuffer) throws(VarlinkDecodeError) -> VarlinkCall {
        guard case .object(let message) = try parse(frame) else { throw .notACall(field: "method") }
        guard case .string(let method)? = message["method"] else { throw .notACall(field: "method") }
        return VarlinkCall(
            method: method,
            parameters: try Self.parameters(in: message),
            more: try Self.flag("more", in: message),
            oneway: try Self.flag("oneway", in: message),
            upgrade: try Self.flag("upgrade", in: message)
        )
    }

    public func encodeReply(_ reply: VarlinkReply, into buffer: inout ByteBuffer) {
        if let text = reply.parametersText, reply.error == nil {
            return encodeReply(parametersText: text, continues: reply.continues, into: &buffer)
        }
        var message: [String: JSONValue] = ["parameters": .object(reply.parameters)]
        if reply.continues { message["continues"] = true }
        if let error = reply.error { message["error"] = .string(error) }
        Self.write(.object(message), into: &buffer)
    }

    public func encodeCall(_ call: VarlinkCall, into buffer: inout ByteBuffer) {
        var message: [String: JSONValue] = ["method": .string(call.method)]
        if !call.parameters.isEmpty { message["parameters"] = .object(call.parameters) }
        if call.more { message["more"] = true }
        if call.oneway { message["oneway"] = true }
        if call.upgrade { message["upgrade"] = true }
        Self.write(.object(message), into: &buffer)
    }

    public func decodeReply(_ frame: ByteBuffer) throws(VarlinkDecodeError) -> VarlinkReply {
        guard case .object(let message) = try parse(frame) else { throw .notACall(field: "parameters") }
        let error: String?
        switch message["error"] {
        case nil, .null?: error = nil
        case .string(let name)?: error = name
        default: throw .notACall(field: "error")
        }
        return VarlinkReply(
            parameters: try Self.parameters(in: message),
            continues: try Self.flag("continues", in: message),
            error: error
        )
    }

    private func parse(_ frame: ByteBuffer) throws(VarlinkDecodeError) -> JSONValue {
        let depth = maxDepth
        let result = frame.withUnsafeReadableBytes { bytes in
            Result { () throws(JSONParseError) -> JSONValue in try JSONValue.parse(bytes, maxDepth: depth) }
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw .malformed(reason: error.description)
        }
    }

    private static func parameters(in message: [String: JSONValue]) throws(VarlinkDecodeError) -> [String: JSONValue] {
        switch message["parameters"] {
        case nil, .null?: return [:]
        case .object(let parameters)?: return parameters
        default: throw .notACall(field: "parameters")
        }
    }

    private static func flag(_ name: String, in message: [String: JSONValue]) throws(VarlinkDecodeError) -> Bool {
        switch message[name] {
        case nil, .null?: return false
        case .bool(let value)?: return value
        default: throw .notACall(field: name)
        }
    }

    private static func write(_ message: JSONValue, into buffer: inout ByteBuffer) {
        var bytes: [UInt8] = []
        message.encode(into: &bytes)
        bytes.append(0)
        buffer.writeBytes(bytes)
    }
}
