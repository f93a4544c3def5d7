/// The grade index's map from ``PackedCode`` to a file's id: open addressing with linear
/// probing over one flat array, hashed by one multiply.
///
/// A slot is eight bytes: the top 32 bits of the code's hash and the file's id. The code
/// itself is not kept (16 bytes a slot, two slots a file, a third of the index at a million
/// files): the caller confirms a candidate against the file's own record, which an answer
/// reads anyway. The slot number is the same hash scaled to the capacity (any capacity, so
/// a table sized for a known number of codes wastes nothing to rounding), so the table can
/// grow without the codes. `Dictionary` hashes every key with seeded SipHash, which was a tenth of
/// a point read's CPU; the seed would only guard against chosen keys, and the codes stored
/// here are registered by regulators.
struct PackedCodeTable {
    /// Hash in the high half, id in the low half; 0 is an empty slot (a stored hash is odd).
    private var slots: [UInt64]
    private(set) var count = 0

    /// Room for `expected` codes before the table grows.
    init(expected: Int = 12) {
        slots = Self.emptySlots(max(16, expected / 3 * 4 + 4))
    }

    /// `count` empty slots, advised before they are written so that they come as huge pages.
    private static func emptySlots(_ count: Int) -> [UInt64] {
        var slots: [UInt64] = []
        slots.reserveCapacity(count)
        slots.adviseHugePages()
        slots.append(contentsOf: repeatElement(0, count: count))
        return slots
    }

    var capacity: Int { slots.count }

    /// See `Array.adviseHugePages()`.
    func adviseHugePages() {
        slots.adviseHugePages()
    }

    /// The first id stored for `code` that `holds` confirms, or nil. Every id ever stored for a
    /// code with the same hash is a candidate; `holds` says whether that file has the code.
    func first(_ code: PackedCode, where holds: (UInt32) -> Bool) -> UInt32? {
        let hash = Self.hash(code)
        var slot = home(hash)
        while true {
            let stored = slots[slot]
            if stored == 0 { return nil }
            if UInt32(truncatingIfNeeded: stored >> 32) == hash {
                let id = UInt32(truncatingIfNeeded: stored)
                if holds(id) { return id }
            }
            slot = next(slot)
        }
    }

    /// Records that file `id` holds `code` (once: the same pair again changes nothing).
    mutating func insert(_ id: UInt32, for code: PackedCode) {
        insert(UInt64(Self.hash(code)) << 32 | UInt64(id))
    }

    private mutating func insert(_ entry: UInt64) {
        var slot = home(UInt32(truncatingIfNeeded: entry >> 32))
        while slots[slot] != 0 {
            if slots[slot] == entry { return }
            slot = next(slot)
        }
        slots[slot] = entry
        count += 1
        // At most three quarters full, as Dictionary: short probes.
        if count * 4 > slots.count * 3 { grow() }
    }

    private mutating func grow() {
        let old = slots
        slots = Self.emptySlots(old.count / 2 * 3)
        count = 0
        for entry in old where entry != 0 { insert(entry) }
    }

    /// Fibonacci hashing: the top 32 bits of the mixed words, made odd so that no stored slot
    /// is 0.
    private static func hash(_ code: PackedCode) -> UInt32 {
        let mixed = (code.high ^ (code.low &* 0xC2B2_AE3D_27D4_EB4F)) &* 0x9E37_79B9_7F4A_7C15
        return UInt32(truncatingIfNeeded: mixed >> 32) | 1
    }

    /// The hash as a fraction of 2^32 times the capacity: uniform over any capacity.
    private func home(_ hash: UInt32) -> Int {
        Int(truncatingIfNeeded: (UInt64(hash) &* UInt64(slots.count)) >> 32)
    }

    private func next(_ slot: Int) -> Int {
        slot &+ 1 == slots.count ? 0 : slot &+ 1
    }
}
