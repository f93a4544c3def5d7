/// The grade index's map from ``PackedCode`` to a file's id: open addressing with linear
/// probing over flat arrays, hashed by one multiply. `Dictionary` hashes every key with
/// seeded SipHash, which was a tenth of a point read's CPU; a code is already well mixed
/// bits and needs no more than this (and nobody chooses the codes stored here but regulators).
struct PackedCodeTable {
    /// A slot is empty while its `high` word is 0, which no code has (its first character is
    /// never the value 0).
    private var high: [UInt64]
    private var low: [UInt64]
    private var values: [UInt32]
    private(set) var count = 0
    private var mask: Int
    private var shift: UInt64

    init() {
        high = Array(repeating: 0, count: 16)
        low = Array(repeating: 0, count: 16)
        values = Array(repeating: 0, count: 16)
        mask = 15
        shift = 60
    }

    subscript(code: PackedCode) -> UInt32? {
        get {
            var slot = home(code)
            while true {
                let stored = high[slot]
                if stored == 0 { return nil }
                if stored == code.high && low[slot] == code.low { return values[slot] }
                slot = (slot + 1) & mask
            }
        }
        set {
            // The index only adds and replaces codes; it never removes one.
            guard let newValue else { preconditionFailure("PackedCodeTable does not remove codes") }
            insert(code, newValue)
        }
    }

    private mutating func insert(_ code: PackedCode, _ value: UInt32) {
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
        mask = capacity - 1
        shift -= 1
        count = 0
        for slot in oldHigh.indices where oldHigh[slot] != 0 {
            insert(PackedCode(high: oldHigh[slot], low: oldLow[slot]), oldValues[slot])
        }
    }

    /// Fibonacci hashing: the top bits of the mixed words pick the slot.
    private func home(_ code: PackedCode) -> Int {
        let mixed = (code.high ^ (code.low &* 0xC2B2_AE3D_27D4_EB4F)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed >> shift)
    }
}
