import QCreditDomain
@testable import QCreditService
import Testing

/// The grade index's code map finds every code it was given and nothing else, across its
/// growth; it keeps no codes, so a candidate the caller rejects (another file with the same
/// hash, a file that no longer holds the code) never hides the right one.
@Suite struct PackedCodeTableTests {
    @Test func findsWhatADictionaryWouldFind() throws {
        var table = PackedCodeTable()
        var reference: [PackedCode: UInt32] = [:]
        for n in 1...50_000 {
            let code = try #require(PackedCode(USCC.madeUp(serial: n)))
            table.insert(UInt32(n), for: code)
            reference[code] = UInt32(n)
            // Every third file also known by a legacy organization code.
            if n % 3 == 0 {
                let legacy = try #require(PackedCode(String(USCC.madeUp(serial: n).dropFirst(8).prefix(9))))
                table.insert(UInt32(n), for: legacy)
                reference[legacy] = UInt32(n)
            }
        }
        // The same pair again adds nothing.
        for n in stride(from: 1, through: 50_000, by: 7) {
            table.insert(UInt32(n), for: try #require(PackedCode(USCC.madeUp(serial: n))))
        }
        #expect(table.count == reference.count)
        for (code, id) in reference {
            let found = table.first(code) { reference[code] == $0 }
            #expect(found == id)
        }
        for n in 50_001...60_000 {
            let code = try #require(PackedCode(USCC.madeUp(serial: n)))
            // Even a caller that accepts anything gets nothing back for a code never stored,
            // unless another code shares its 32-bit hash.
            let found = table.first(code) { _ in false }
            #expect(found == nil)
        }
        let unknown = try #require(PackedCode("Z"))
        let found = table.first(unknown) { _ in true }
        #expect(found == nil)
    }

    @Test func aRejectedCandidateDoesNotHideTheFileThatHoldsTheCode() throws {
        var table = PackedCodeTable()
        let code = try #require(PackedCode(USCC.madeUp(serial: 7)))
        table.insert(1, for: code)
        table.insert(2, for: code)
        let second = table.first(code) { $0 == 2 }
        let first = table.first(code) { $0 == 1 }
        let neither = table.first(code) { _ in false }
        #expect(second == 2 && first == 1 && neither == nil)
    }

    /// A table sized for its codes holds them without growing or rounding up, and still finds
    /// every one; past that size it grows and keeps finding them.
    @Test func aSizedTableHoldsItsCodesWithoutGrowing() throws {
        var table = PackedCodeTable(expected: 30_000)
        let capacity = table.capacity
        #expect(capacity <= 40_004)
        for n in 1...30_000 { table.insert(UInt32(n), for: try #require(PackedCode(USCC.madeUp(serial: n)))) }
        #expect(table.capacity == capacity)
        for n in 30_001...45_000 { table.insert(UInt32(n), for: try #require(PackedCode(USCC.madeUp(serial: n)))) }
        #expect(table.capacity > capacity)
        for n in 1...45_000 {
            let found = table.first(try #require(PackedCode(USCC.madeUp(serial: n)))) { $0 == UInt32(n) }
            #expect(found == UInt32(n))
        }
    }

    @Test func packingPiecesEndToEndIsPackingTheWhole() throws {
        let uscc = USCC.madeUp(serial: 42)
        let bytes = Array(uscc.utf8)
        #expect(PackedCode(utf8: bytes[0..<8], bytes[8..<17], bytes[17..<18]) == PackedCode(uscc))
        #expect(PackedCode(utf8: bytes[0..<8], bytes[8..<17], Array("Z".utf8)) != PackedCode(uscc))
        #expect(PackedCode(utf8: bytes, bytes, bytes) == nil, "past 20 characters")
        #expect(PackedCode(utf8: [UInt8](), [], []) == nil, "empty")
    }
}
