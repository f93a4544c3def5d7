import QCreditDomain
@testable import QCreditService
import Testing

/// The grade index's code map finds every code it was given, the latest id for a code given
/// twice, and nothing for a code it was not given, across its growth.
@Suite struct PackedCodeTableTests {
    @Test func findsWhatADictionaryWouldFind() throws {
        var table = PackedCodeTable()
        var reference: [PackedCode: UInt32] = [:]
        for n in 1...50_000 {
            let code = try #require(PackedCode(USCC.madeUp(serial: n)))
            table.set(UInt32(n), for: code)
            reference[code] = UInt32(n)
            // Every third file also known by a legacy organization code.
            if n % 3 == 0 {
                let legacy = try #require(PackedCode(String(USCC.madeUp(serial: n).dropFirst(8).prefix(9))))
                table.set(UInt32(n), for: legacy)
                reference[legacy] = UInt32(n)
            }
        }
        // Replacing keeps one entry.
        for n in stride(from: 1, through: 50_000, by: 7) {
            let code = try #require(PackedCode(USCC.madeUp(serial: n)))
            table.set(UInt32(n + 1_000_000), for: code)
            reference[code] = UInt32(n + 1_000_000)
        }
        #expect(table.count == reference.count)
        for (code, id) in reference { #expect(table[code] == id) }
        for n in 50_001...60_000 {
            #expect(table[try #require(PackedCode(USCC.madeUp(serial: n)))] == nil)
        }
        #expect(table[try #require(PackedCode("Z"))] == nil)
    }
}
