import CanonicalJSON
import QCreditCrypto
import QCreditDomain
import Testing

@testable import QCreditService

/// The digest that ties an applied import batch to its rows (migration 10) must not change
/// between versions: an import interrupted under one build is resumed under the next, which
/// compares the rows it sends again with the digest stored then.
@Suite struct ImportBatchDigestTests {
    @Test func aBatchDigestIsTheSameWhateverTheKeyOrderAndStaysFixed() throws {
        let first: JSONValue = [
            "code": "91350100M000100Y43", "dimension": "product", "kind": "spot-check-failed", "severity": "low",
            "occurredOn": "2026-01-05", "authority": "基准市场监督管理局", "documentNumber": "基准抽〔2026〕0号", "summary": "抽检不合格",
        ]
        let second = try JSONValue.parse(
            #"{"evidenceUrl":"https://example.org/1","summary":"\#(String(repeating: "x", count: 120))","documentNumber":"文1","#
                + #""authority":"局","occurredOn":"2026-01-06","severity":"low","kind":"spot-check-passed","dimension":"product","#
                + #""code":"91350100M000100Y43"}"#)
        let members = NewEvent.requiredMembers + NewEvent.optionalMembers
        // Each member's compact JSON text (null when absent) after its length and a colon, in
        // `members` order, hashed; computed independently with Python's json and hashlib.
        #expect(
            Hex.encode(ImportMethods.rowsDigest([first, second], members: members))
                == "8f8a606231fb0ad68298c908c7a653e89c8c31d4b7d78611a9b6687e601a05bb")
    }
}
