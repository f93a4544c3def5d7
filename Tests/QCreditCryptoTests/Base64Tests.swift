import Foundation
import QCreditCrypto
import Testing

@Suite struct Base64Tests {
    @Test func rfc4648Vectors() {
        // RFC 4648 §10.
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
        }
        let all = (0...255).map { UInt8($0) }
        #expect(Base64.decode(Base64.encode(all)) == all)
    }

    /// Every length from 0 to 99, against Foundation's encoder; `append` adds the same text
    /// after what the buffer already holds.
    @Test func encodingAgreesWithFoundationAtEveryLength() {
        var generator = SystemRandomNumberGenerator()
        for count in 0..<100 {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Data(bytes).base64EncodedString()
            #expect(Base64.encode(bytes) == expected, "\(bytes)")
            var buffer = Array("line:".utf8)
            Base64.append(bytes[...], to: &buffer)
            #expect(buffer == Array("line:\(expected)".utf8))
            #expect(Base64.decode(expected) == bytes)
        }
    }

    @Test(arguments: ["Zg=", "Zg", "Zh==", "Zm9=", "Z===", "====", "Zg==Zg==", "Zm9v\n", "Zm-v", "Zm9v ", "=Zm9"])
    func nonCanonicalOrInvalidTextIsRefused(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }
}
