import CanonicalJSON

/// The bytes behind ``GradeAnswerIndex``: per file, the values of its `GetGrade` reply in
/// each view, packed into one arena, with values that many files share (grades, statuses,
/// `null`, `[]`, policy versions…) stored once and referred to by number.
///
/// A record is one entry per template slot: a varint `n`; odd `n` is followed by `n >> 1`
/// bytes of value text, even `n` names interned value `n >> 1`. A file whose public and full
/// views agree (most files) has one record for both.
struct GradeIndexStorage {
    /// Slots whose values are (nearly) unique per file, so interning them would only cost.
    static let uniqueSlots: Set<String> = ["uscc", "orgCode", "name", "logIndex"]

    private(set) var template: GradeReplyTemplate?
    private var unique: [Bool] = []
    /// Offset 0 means "no record"; so the arena starts with a byte nobody points to.
    private var arena: [UInt8] = [0]
    /// Records no file points to any more (replaced or dropped), and records in use: the arena
    /// is compacted when the first outnumber the second.
    private var garbage = 0
    private var live = 0
    /// By enterprise id: where the public and the full record start (0: none).
    private var records: [(public: UInt32, full: UInt32)] = []
    private(set) var codes = PackedCodeTable()
    private var internedIds: [[UInt8]: UInt32] = [:]
    /// Interned values end to end; value `i` is `internedBytes[internedBounds[i]..<internedBounds[i + 1]]`.
    private var internedBytes: [UInt8] = []
    private var internedBounds: [Int] = [0]
    /// The template's literals end to end, bounded the same way: answering copies from flat
    /// buffers instead of retaining an array per slot.
    private var literalBytes: [UInt8] = []
    private var literalBounds: [Int] = [0]

    var fileCount: Int { records.lazy.filter { $0.public != 0 }.count }
    /// Below this many dropped records the arena is never compacted.
    static let compactionFloor = 4096
    var arenaBytes: Int { arena.count }

    mutating func removeAll() {
        arena = [0]
        garbage = 0
        live = 0
        records = []
        codes = PackedCodeTable()
        internedIds = [:]
        internedBytes = []
        internedBounds = [0]
    }

    /// Gives back the spare capacity that growing by doubling left (up to half of each array),
    /// once a build is done.
    mutating func trim() {
        arena = Self.exactCopy(arena)
        records = Self.exactCopy(records)
    }

    /// A copy with no spare capacity (`Array(array[...])` would share the old buffer).
    private static func exactCopy<Element>(_ array: [Element]) -> [Element] {
        var copy: [Element] = []
        copy.reserveCapacity(array.count)
        copy.append(contentsOf: array)
        return copy
    }

    mutating func remove(_ id: Int64) {
        guard let slot = Int(exactly: id), slot < records.count, records[slot].public != 0 else { return }
        drop(records[slot])
        records[slot] = (0, 0)
    }

    private mutating func drop(_ offsets: (public: UInt32, full: UInt32)) {
        let count = offsets.public == offsets.full ? 1 : 2
        garbage += count
        live -= count
    }

    /// Stores a file's reply values (``GradeReplyTemplate/values(of:)``) for both views.
    /// False when the values do not fit the template (the file is then left to the normal path).
    mutating func store(id: Int64, codes fileCodes: [String], public publicGrade: [String: JSONValue], full fullGrade: [String: JSONValue]) -> Bool {
        if template == nil {
            template = GradeReplyTemplate(sample: publicGrade)
            unique = template?.slots.map { Self.uniqueSlots.contains($0.key) } ?? []
            for literal in template?.literals ?? [] {
                literalBytes.append(contentsOf: literal)
                literalBounds.append(literalBytes.count)
            }
        }
        guard let template, let id32 = UInt32(exactly: id), let publicValues = template.values(of: publicGrade),
            let fullValues = template.values(of: fullGrade)
        else { return false }
        let publicOffset = append(publicValues)
        let fullOffset = publicValues == fullValues ? publicOffset : append(fullValues)
        let slot = Int(id32)
        if records.count <= slot { records.append(contentsOf: repeatElement((public: UInt32(0), full: UInt32(0)), count: slot + 1 - records.count)) }
        if records[slot].public != 0 { drop(records[slot]) }
        records[slot] = (publicOffset, fullOffset)
        live += publicOffset == fullOffset ? 1 : 2
        if garbage > Self.compactionFloor && garbage > live { compact() }
        for code in fileCodes { if let key = PackedCode(code) { codes.set(id32, for: key) } }
        return true
    }

    /// The record of the file holding `code` in one view, or nil.
    func record(code: PackedCode, full: Bool) -> UInt32? {
        guard let id = codes[code], Int(id) < records.count else { return nil }
        let offsets = records[Int(id)]
        let offset = full ? offsets.full : offsets.public
        return offset == 0 ? nil : offset
    }

    /// Appends the reply made from the record at `offset`, with `at` (a JSON string) as the moment.
    func write(record offset: UInt32, at: [UInt8], into output: inout [UInt8]) {
        guard let template else { return }
        let slots = template.slots.count
        let atSlot = template.atSlot
        arena.withUnsafeBufferPointer { arena in
            literalBytes.withUnsafeBufferPointer { literals in
                internedBytes.withUnsafeBufferPointer { interned in
                    var position = Int(offset)
                    for slot in 0..<slots {
                        output.append(contentsOf: UnsafeBufferPointer(rebasing: literals[literalBounds[slot]..<literalBounds[slot + 1]]))
                        if slot == atSlot {
                            output.append(contentsOf: at)
                            continue
                        }
                        let tag = Self.readVarint(arena, &position)
                        if tag & 1 == 1 {
                            let end = position + Int(tag >> 1)
                            output.append(contentsOf: UnsafeBufferPointer(rebasing: arena[position..<end]))
                            position = end
                        } else {
                            let value = Int(tag >> 1)
                            output.append(
                                contentsOf: UnsafeBufferPointer(rebasing: interned[internedBounds[value]..<internedBounds[value + 1]]))
                        }
                    }
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: literals[literalBounds[slots]..<literalBounds[slots + 1]]))
                }
            }
        }
    }

    /// Copies the records in use into a fresh arena. A file's two offsets may be one record.
    private mutating func compact() {
        var fresh: [UInt8] = [0]
        fresh.reserveCapacity(arena.count - arena.count / 3)
        for slot in records.indices where records[slot].public != 0 {
            let (publicOffset, fullOffset) = records[slot]
            let newPublic = UInt32(fresh.count)
            fresh.append(contentsOf: arena[Int(publicOffset)..<recordEnd(publicOffset)])
            var newFull = newPublic
            if fullOffset != publicOffset {
                newFull = UInt32(fresh.count)
                fresh.append(contentsOf: arena[Int(fullOffset)..<recordEnd(fullOffset)])
            }
            records[slot] = (newPublic, newFull)
        }
        arena = fresh
        garbage = 0
    }

    private func recordEnd(_ offset: UInt32) -> Int {
        var position = Int(offset)
        for _ in 0..<(template?.slots.count ?? 1) - 1 {
            let tag = readVarint(&position)
            if tag & 1 == 1 { position += Int(tag >> 1) }
        }
        return position
    }

    private mutating func append(_ values: [[UInt8]]) -> UInt32 {
        let offset = UInt32(arena.count)
        for (slot, value) in values.enumerated() where slot != template?.atSlot {
            if unique[slot] {
                appendVarint(UInt64(value.count) << 1 | 1)
                arena.append(contentsOf: value)
            } else {
                appendVarint(UInt64(intern(value)) << 1)
            }
        }
        return offset
    }

    private mutating func intern(_ value: [UInt8]) -> UInt32 {
        if let id = internedIds[value] { return id }
        let id = UInt32(internedBounds.count - 1)
        internedBytes.append(contentsOf: value)
        internedBounds.append(internedBytes.count)
        internedIds[value] = id
        return id
    }

    private mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            arena.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        arena.append(UInt8(rest))
    }

    private func readVarint(_ position: inout Int) -> UInt64 {
        arena.withUnsafeBufferPointer { arena in Self.readVarint(arena, &position) }
    }

    private static func readVarint(_ arena: UnsafeBufferPointer<UInt8>, _ position: inout Int) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = arena[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }
}
