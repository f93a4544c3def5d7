/// SM2 (GB/T 32918 / GM/T 0003) constants and signature-encoding conversions.
///
/// qcredit's SM2 signatures are SM2-with-SM3 over the message, with Z computed from the
/// distinguishing ID ``defaultDistinguishingID``, DER-encoded as `SEQUENCE { INTEGER r, INTEGER s }`
/// (what OpenSSL emits). Python's `gmssl` uses the raw form instead: `r ‖ s`, 32 bytes each,
/// big-endian (as hex); convert with ``rawSignature(fromDER:)`` and ``derSignature(fromRaw:)``.
///
/// ```swift
/// let der = try key.sign(message)                     // 70–72 bytes, randomised
/// let raw = try SM2.rawSignature(fromDER: der)        // 64 bytes
/// let back = try SM2.derSignature(fromRaw: raw)       // == der
/// ```
public enum SM2 {
    /// The GM/T 0009 default distinguishing ID. OpenSSL 3.0's own default is the *empty* ID, and
    /// signatures made with one do not verify with the other, so qcredit always sets this one
    /// (on the CLI: `-pkeyopt distid:1234567812345678`).
    public static let defaultDistinguishingID = "1234567812345678"

    /// The raw form `r ‖ s` (64 bytes, each half big-endian, left-padded with zeros) of a DER
    /// signature. Only strict DER is accepted: minimal lengths and integers, positive non-zero
    /// values of at most 256 bits, nothing after the sequence.
    public static func rawSignature(fromDER der: [UInt8]) throws -> [UInt8] {
        var reader = DERReader(bytes: der)
        let r: [UInt8]
        let s: [UInt8]
        do {
            let sequence = try reader.element(tag: 0x30)
            guard reader.isAtEnd else { throw DERReader.Failure("bytes after the signature sequence") }
            var inner = DERReader(bytes: sequence)
            r = try inner.positiveInteger(named: "r")
            s = try inner.positiveInteger(named: "s")
            guard inner.isAtEnd else { throw DERReader.Failure("bytes after s inside the sequence") }
        } catch let failure as DERReader.Failure {
            throw CryptoError(operation: "SM2 signature DER decoding", reason: failure.reason)
        }
        return [UInt8](repeating: 0, count: 32 - r.count) + r + [UInt8](repeating: 0, count: 32 - s.count) + s
    }

    /// The DER form of a raw `r ‖ s` signature (64 bytes). r and s must each be non-zero.
    public static func derSignature(fromRaw raw: [UInt8]) throws -> [UInt8] {
        let operation = "SM2 signature DER encoding"
        guard raw.count == 64 else {
            throw CryptoError(operation: operation, reason: "expected 64 bytes (r ‖ s), got \(raw.count)")
        }
        let r = try derInteger(raw[0..<32], named: "r", operation: operation)
        let s = try derInteger(raw[32..<64], named: "s", operation: operation)
        // At most 2 × 35 = 70 content bytes, so the short length form always applies.
        return [0x30, UInt8(r.count + s.count)] + r + s
    }

    /// A DER INTEGER of an unsigned big-endian value: leading zeros dropped, one 0x00 added
    /// back when the top bit is set (DER integers are two's complement).
    private static func derInteger(_ value: ArraySlice<UInt8>, named name: String, operation: String) throws -> [UInt8] {
        guard let first = value.firstIndex(where: { $0 != 0 }) else {
            throw CryptoError(operation: operation, reason: "\(name) is zero")
        }
        var content = Array(value[first...])
        if content[0] & 0x80 != 0 { content.insert(0, at: 0) }
        return [0x02, UInt8(content.count)] + content
    }
}

/// A strict reader of the little DER that SM2 signatures use (short-form lengths only:
/// the whole signature is at most 72 bytes).
private struct DERReader {
    struct Failure: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }
    init(bytes: ArraySlice<UInt8>) { self.bytes = Array(bytes) }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func element(tag: UInt8) throws(Failure) -> ArraySlice<UInt8> {
        guard offset + 2 <= bytes.count else { throw Failure("truncated at byte \(offset)") }
        guard bytes[offset] == tag else {
            throw Failure("expected tag 0x\(hex(tag)) at byte \(offset), found 0x\(hex(bytes[offset]))")
        }
        let length = Int(bytes[offset + 1])
        // Long forms are never minimal here: no element of an SM2 signature reaches 128 bytes.
        guard length < 0x80 else { throw Failure("length at byte \(offset + 1) is not in DER short form") }
        guard offset + 2 + length <= bytes.count else { throw Failure("element at byte \(offset) is truncated") }
        defer { offset += 2 + length }
        return bytes[(offset + 2)..<(offset + 2 + length)]
    }

    mutating func positiveInteger(named name: String) throws(Failure) -> [UInt8] {
        var content = try element(tag: 0x02)
        guard let first = content.first else { throw Failure("\(name) is an empty INTEGER") }
        guard first & 0x80 == 0 else { throw Failure("\(name) is negative") }
        if first == 0 {
            guard content.count > 1 else { throw Failure("\(name) is zero") }
            guard content[content.startIndex + 1] & 0x80 != 0 else {
                throw Failure("\(name) has a leading zero byte that DER forbids")
            }
            content = content.dropFirst()
        }
        guard content.count <= 32 else { throw Failure("\(name) is longer than 256 bits") }
        return Array(content)
    }

    private func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }
}
