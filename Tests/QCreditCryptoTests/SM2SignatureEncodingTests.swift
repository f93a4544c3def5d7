import QCreditCrypto
import Testing

@Suite struct SM2SignatureEncodingTests {
    @Test func publishedExampleHasBothHighBitsSet() throws {
        let raw = [UInt8](hex: try #require(CryptoVectors.shared.sm2.first).rawSignature)
        let der = try SM2.derSignature(fromRaw: raw)
        // r and s both start with a byte ≥ 0x80, so each INTEGER gets a 0x00 pad: 2 + 2 × 35.
        #expect(der.count == 72)
        #expect(Array(der.prefix(5)) == [0x30, 0x46, 0x02, 0x21, 0x00])
        #expect(Array(der[37...39]) == [0x02, 0x21, 0x00])
        #expect(try SM2.rawSignature(fromDER: der) == raw)
    }

    @Test func shortIntegersAreMinimalAndPaddedBack() throws {
        // r = 0x7f followed by zeros after two zero bytes; s = 1.
        let r = [0, 0, 0x7f] + [UInt8](repeating: 0xab, count: 29)
        let s = [UInt8](repeating: 0, count: 31) + [1]
        let der = try SM2.derSignature(fromRaw: r + s)
        #expect(der == [0x30, 0x23, 0x02, 0x1e, 0x7f] + [UInt8](repeating: 0xab, count: 29) + [0x02, 0x01, 0x01])
        #expect(try SM2.rawSignature(fromDER: der) == r + s)
    }

    @Test func realSignaturesRoundTrip() throws {
        let key = try SM2PrivateKey()
        for index in 0..<64 {
            let der = try key.sign([UInt8(index)])
            let raw = try SM2.rawSignature(fromDER: der)
            #expect(raw.count == 64)
            #expect(try SM2.derSignature(fromRaw: raw) == der)
        }
    }

    @Test(arguments: [
        ([0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], "expected tag 0x30 at byte 0, found 0x31"),
        ([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00], "bytes after the signature sequence"),
        ([0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00], "bytes after s inside the sequence"),
        ([0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], "length at byte 1 is not in DER short form"),
        ([0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01], "r has a leading zero byte that DER forbids"),
        ([0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01], "r is negative"),
        ([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00], "s is zero"),
        ([0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01], "r is an empty INTEGER"),
        ([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x05, 0x01], "element at byte 3 is truncated"),
        ([0x30, 0x03, 0x02, 0x01, 0x01], "truncated at byte 3"),
        ([], "truncated at byte 0"),
    ] as [([UInt8], String)])
    func malformedDERIsRefused(_ der: [UInt8], _ reason: String) {
        #expect(throws: CryptoError(operation: "SM2 signature DER decoding", reason: reason)) {
            try SM2.rawSignature(fromDER: der)
        }
    }

    @Test func oversizedIntegersAreRefused() {
        let r = [0x02, 0x21, 0x01] + [UInt8](repeating: 0, count: 32)
        let der = [0x30, UInt8(r.count + 3)] + r + [0x02, 0x01, 0x01]
        #expect(throws: CryptoError(operation: "SM2 signature DER decoding", reason: "r is longer than 256 bits")) {
            try SM2.rawSignature(fromDER: der)
        }
    }

    @Test func badRawSignaturesAreRefused() {
        #expect(throws: CryptoError(operation: "SM2 signature DER encoding", reason: "expected 64 bytes (r ‖ s), got 63")) {
            try SM2.derSignature(fromRaw: [UInt8](repeating: 1, count: 63))
        }
        #expect(throws: CryptoError(operation: "SM2 signature DER encoding", reason: "r is zero")) {
            try SM2.derSignature(fromRaw: [UInt8](repeating: 0, count: 32) + [UInt8](repeating: 1, count: 32))
        }
    }
}
