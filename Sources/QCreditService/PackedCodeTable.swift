/// The grade index's map from ``PackedCode`` to a file's id: open addressing with linear
/// probing over flat arrays, hashed by one multiply. `Dictionary` hashes every key with
/// seeded SipHash, which was a tenth of a point read's CPU. A multiply spreads a code's bits
/// well enough, and the seed would only guard against chosen keys: the codes stored here are
/// registered by regulators.
struct PackedCodeTable {
    /// A slot is empty while its `high` word is 0, which no code has (its first character is
    /// never the value 0).
    private var high: [UInt64]
    private var low: [UInt64]
    private var values: [UInt32]
    private(set) var count = 0
    /// The capacity is a power of two, so a slot number is the hash's top bits.
    private var mask: Int { high.count &- 1 }

    init() {
        high = Array(repeating: 0, count: 16)
        low = Array(repeating: 0, count: 16)
        values = Array(repeating: 0, count: 16)
    }

    subscript(code: PackedCode) -> UInt32? {
        var slot = home(code)
        while true {
            let stored = high[slot]
            if stored == 0 { return nil }
            if stored == code.high && low[slot] == code.low { return values[slot] }
            slot = (slot + 1) & mask
        }
    }

    /// Adds `code` or gives it a new id (the index never removes a code).
    mutating func set(_ value: UInt32, for code: PackedCode) {
        var slot = home(code)
        while high[slot] != 0 {
            if high[slot] == code.high && low[slot] == code.low {
                values[slot] = value
                return
            }
            slot = (slot + 1) & mask
        }
        high[slot] = code.high
        low[slot] = code.low
        values[slot] = value
        count += 1
        // At most three quarters full, as Dictionary: the same memory, short probes.
        if count * 4 > high.count * 3 { grow() }
    }

    private mutating func grow() {
        let (oldHigh, oldLow, oldValues) = (high, low, values)
        let capacity = high.count * 2
        high = Array(repeating: 0, count: capacity)
        low = Array(repeating: 0, count: capacity)
        values = Array(repeating: 0, count: capacity)
        count = 0
        for slot in oldHigh.indices where oldHigh[slot] != 0 {
            set(oldValues[slot], for: PackedCode(high: oldHigh[slot], low: oldLow[slot]))
        }
    }

    /// Fibonacci hashing: the top bits of the mixed words pick the slot.
    private func home(_ code: PackedCode) -> Int {
        let mixed = (code.high ^ (code.low &* 0xC2B2_AE3D_27D4_EB4F)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed >> UInt64(64 - high.count.trailingZeroBitCount))
    }
}
