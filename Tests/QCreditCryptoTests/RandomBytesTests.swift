@testable import QCreditCrypto
import Testing

@Suite struct RandomBytesTests {
    /// Salts drawn from the pool across many refills (and from several threads at once) are
    /// each handed out once: no two of 40,000 are alike, and none is all zeros (a wiped byte
    /// handed out again would be).
    @Test func saltsAreNeverHandedOutTwice() async {
        let salts = await withTaskGroup(of: [[UInt8]].self) { group in
            for _ in 0..<4 { group.addTask { (0..<10_000).map { _ in RandomBytes.make(32) } } }
            return await group.reduce(into: [[UInt8]]()) { $0 += $1 }
        }
        #expect(salts.count == 40_000)
        #expect(salts.allSatisfy { $0.count == 32 })
        #expect(Set(salts).count == salts.count)
        #expect(!salts.contains([UInt8](repeating: 0, count: 32)))
    }

    /// Requests of every size, the pool's limits included, get their length of random bytes.
    @Test(arguments: [0, 1, 31, 32, 33, RandomPool.largestDraw, RandomPool.largestDraw + 1, RandomPool.size, 100_000])
    func everyLengthIsServed(_ count: Int) {
        let bytes = RandomBytes.make(count)
        #expect(bytes.count == count)
        if count >= 16 { #expect(Set(bytes).count > 1) }
    }
}
