import CanonicalJSON

/// The bytes behind ``GradeAnswerIndex``: per file, the values of its `GetGrade` reply in
/// each view, packed into one arena, with values that many files share (grades, statuses,
/// `null`, `[]`, policy versions…) stored once and referred to by number.
///
/// A record holds the code slots first, then a mask of the interned slots whose value is not
/// their default, then every other slot but `at` in template order: a slot of (nearly) unique
/// values as a varint `n` whose low two bits say what follows (``ValueKind``), an interned slot
/// as its value's number, present only when the mask says so. A file whose public and full
/// views agree (most files) has one record for both.
///
/// The code map keeps no codes (see ``PackedCodeTable``): a lookup is confirmed against the
/// `uscc` and `orgCode` values of the file's record. A USCC embeds its organization code
/// (characters 9–17), so a file's USCC is stored as what surrounds the `orgCode` value, and
/// both are filed under that organization code (``PackedCode/homeKey``): one entry a file.
struct GradeIndexStorage {
    /// The low two bits of a slot's varint.
    private enum ValueKind: UInt64 {
        /// `n >> 2` bytes of value text follow.
        case inline = 1
        /// A USCC around the record's `orgCode`: 11 bytes follow, the 9 before (quote included)
        /// and the 2 after its organization code, which is the `orgCode` value's inside.
        case spliced = 2
        /// The value is the decimal number `n >> 2` (a log index: four bytes instead of nine).
        case number = 3
    }

    /// Slots whose values are (nearly) unique per file, so interning them would only cost.
    static let uniqueSlots: Set<String> = ["uscc", "orgCode", "name", "logIndex"]

    private(set) var template: GradeReplyTemplate?
    private var unique: [Bool] = []
    /// By slot: its place among the interned slots (the bit of the record's mask), or -1.
    private var internedOrdinal: [Int] = []
    /// By interned slot: the value a record leaves out (the first stored record's), and the
    /// mask's width in bytes. Most files share most of these values (`[]`, `null`, a policy
    /// version): seventeen bytes a file became three.
    private var defaults: [UInt32] = []
    private var maskBytes = 0
    /// The template's `uscc` and `orgCode` slots (the enterprise's); -1 when it has none.
    private var usccSlot = -1
    private var orgCodeSlot = -1
    /// Offset 0 means "no record"; so the arena starts with a byte nobody points to.
    private var arena: [UInt8] = [0]
    /// Records no file points to any more (replaced or dropped), and records in use: the arena
    /// is compacted when the first outnumber the second.
    private var garbage = 0
    private var live = 0
    /// By enterprise id: where the public record starts (0: none).
    private var records: [UInt32] = []
    /// Where the full record starts, for the few files whose full view differs from the public.
    private var fullRecords: [UInt32: UInt32] = [:]
    private(set) var codes = PackedCodeTable()
    private var internedIds: [[UInt8]: UInt32] = [:]
    /// Interned values end to end; value `i` is `internedBytes[internedBounds[i]..<internedBounds[i + 1]]`.
    private var internedBytes: [UInt8] = []
    private var internedBounds: [Int] = [0]
    /// The template's literals end to end, bounded the same way: answering copies from flat
    /// buffers instead of retaining an array per slot.
    private var literalBytes: [UInt8] = []
    private var literalBounds: [Int] = [0]

    var fileCount: Int { records.lazy.filter { $0 != 0 }.count }
    /// Below this many dropped records the arena is never compacted.
    static let compactionFloor = 4096
    var arenaBytes: Int { arena.count }

    /// Forgets everything, the template and the interned values too (a build starts afresh).
    mutating func removeAll() {
        self = GradeIndexStorage()
    }

    /// Sizes the code map for `expected` entries when it holds none (a build knows about how
    /// many files there are; a file's codes share one entry).
    mutating func reserveCodes(_ expected: Int) {
        guard codes.count == 0 else { return }
        codes = PackedCodeTable(expected: expected)
    }

    /// Sizes the arena and the offsets for files up to id `highestId`, from the bytes the files
    /// stored so far take, with a quarter to spare (false, and nothing done, while there are
    /// none). Grown by doubling instead, a build held the old and the new buffer at once and
    /// ``trim()`` copied once more: at ten million files the daemon peaked at 1.7 times the
    /// index it built. Capacity never written is never resident, so the spare costs nothing.
    mutating func reserve(forFilesUpTo highestId: Int64) -> Bool {
        let stored = fileCount
        guard stored > 0, let highest = Int(exactly: highestId), highest > 0 else { return false }
        records.reserveCapacity(highest + 1 + highest / 50)
        let bytesPerFile = Double(arena.count) / Double(stored)
        arena.reserveCapacity(Int(bytesPerFile * Double(highest) * 1.25) + 4096)
        adviseHugePages()
        return true
    }

    /// Gives back the spare capacity of an array grown by doubling once a build is done; one
    /// sized ahead (at most a quarter to spare, never written) is kept rather than copied.
    mutating func trim() {
        if arena.capacity - arena.count > arena.count / 4 { arena = Self.exactCopy(arena) }
        if records.capacity - records.count > records.count / 4 { records = Self.exactCopy(records) }
        adviseHugePages()
    }

    /// See `Array.adviseHugePages()`: the tables an answer reads at random.
    private func adviseHugePages() {
        arena.adviseHugePages()
        records.adviseHugePages()
        codes.adviseHugePages()
    }

    /// A copy with no spare capacity (`Array(array[...])` would share the old buffer).
    private static func exactCopy<Element>(_ array: [Element]) -> [Element] {
        var copy: [Element] = []
        copy.reserveCapacity(array.count)
        copy.append(contentsOf: array)
        return copy
    }

    mutating func remove(_ id: Int64) {
        guard let slot = Int(exactly: id), slot < records.count, records[slot] != 0 else { return }
        drop(slot)
    }

    private mutating func drop(_ slot: Int) {
        let count = fullRecords.removeValue(forKey: UInt32(slot)) == nil ? 1 : 2
        records[slot] = 0
        garbage += count
        live -= count
    }

    /// Stores a file's reply values (``GradeReplyTemplate/values(of:)``) for both views.
    /// False when the values do not fit the template (the file is then left to the normal path).
    mutating func store(id: Int64, codes fileCodes: [String], public publicGrade: [String: JSONValue], full fullGrade: [String: JSONValue]) -> Bool {
        if template == nil {
            template = GradeReplyTemplate(sample: publicGrade)
            unique = template?.slots.map { Self.uniqueSlots.contains($0.key) } ?? []
            usccSlot = template?.slots.firstIndex(of: .init(key: "uscc", inEnterprise: true)) ?? -1
            orgCodeSlot = template?.slots.firstIndex(of: .init(key: "orgCode", inEnterprise: true)) ?? -1
            for literal in template?.literals ?? [] {
                literalBytes.append(contentsOf: literal)
                literalBounds.append(literalBytes.count)
            }
            if let template, let sample = template.values(of: publicGrade) { chooseDefaults(template, sample) }
        }
        guard let template, let id32 = UInt32(exactly: id), let publicValues = template.values(of: publicGrade),
            let fullValues = template.values(of: fullGrade)
        else { return false }
        let publicOffset = append(publicValues)
        let fullOffset = publicValues == fullValues ? publicOffset : append(fullValues)
        let slot = Int(id32)
        if records.count <= slot { records.append(contentsOf: repeatElement(0, count: slot + 1 - records.count)) }
        if records[slot] != 0 { drop(slot) }
        records[slot] = publicOffset
        if fullOffset != publicOffset { fullRecords[id32] = fullOffset }
        live += publicOffset == fullOffset ? 1 : 2
        if garbage > Self.compactionFloor && garbage > live { compact() }
        for code in fileCodes { if let key = PackedCode(code) { codes.insert(id32, for: key.homeKey) } }
        return true
    }

    /// Numbers the interned slots and takes their defaults from the first values stored.
    private mutating func chooseDefaults(_ template: GradeReplyTemplate, _ sample: [[UInt8]]) {
        internedOrdinal = Array(repeating: -1, count: template.slots.count)
        for slot in template.slots.indices where !unique[slot] && slot != template.atSlot {
            internedOrdinal[slot] = defaults.count
            defaults.append(intern(sample[slot]))
        }
        maskBytes = (defaults.count + 7) / 8
    }

    /// The record of the file holding `code` in one view, or nil.
    func record(code: PackedCode, full: Bool) -> UInt32? {
        guard let id = codes.first(code.homeKey, where: { holds($0, code) }) else { return nil }
        guard full, !fullRecords.isEmpty, let fullOffset = fullRecords[id] else { return records[Int(id)] }
        return fullOffset
    }

    /// Whether file `id` is stored and its reply's `uscc` or `orgCode` is `code`: the first
    /// values of its record.
    private func holds(_ id: UInt32, _ code: PackedCode) -> Bool {
        guard Int(id) < records.count, records[Int(id)] != 0 else { return false }
        return arena.withUnsafeBufferPointer { arena in
            var position = Int(records[Int(id)])
            let texts = readCodes(arena, &position)
            // A code of up to ten characters packs into the high word alone.
            if orgCodeSlot >= 0, code.low == 0, texts.orgCode.isCode(code, in: arena) { return true }
            return usccSlot >= 0 && texts.uscc.isCode(code, in: arena)
        }
    }

    /// A value's JSON text in the arena as three pieces end to end. A spliced USCC is what comes
    /// before its organization code, the `orgCode` value's inside, and what comes after; a
    /// value kept whole is all but its last byte, nothing, and its last byte. Either way a JSON
    /// string's quotes are the first byte of `before` and the last of `after`.
    private struct ValueText {
        var before: Range<Int>
        var inside = 0..<0
        var after: Range<Int>

        init(whole text: Range<Int>) {
            let end = text.isEmpty ? text.upperBound : text.upperBound - 1
            before = text.lowerBound..<end
            after = end..<text.upperBound
        }

        init(spliced start: Int, around orgCode: ValueText) {
            before = start..<start + 9
            inside = orgCode.before.lowerBound + 1..<orgCode.before.upperBound
            after = start + 9..<start + 11
        }

        func write(from arena: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: arena[before]))
            output.append(contentsOf: UnsafeBufferPointer(rebasing: arena[inside]))
            output.append(contentsOf: UnsafeBufferPointer(rebasing: arena[after]))
        }

        /// Whether the text is the JSON string `code`.
        func isCode(_ code: PackedCode, in arena: UnsafeBufferPointer<UInt8>) -> Bool {
            guard !before.isEmpty, !after.isEmpty, arena[before.lowerBound] == UInt8(ascii: "\""),
                arena[after.upperBound - 1] == UInt8(ascii: "\"")
            else { return false }
            return PackedCode(utf8: arena[before.dropFirst()], arena[inside], arena[after.dropLast()]) == code
        }
    }

    /// Where a record's code values are: they lead the record, `orgCode` first.
    private struct CodeTexts {
        var orgCode = ValueText(whole: 0..<0)
        var uscc = ValueText(whole: 0..<0)
    }

    /// Reads the leading code values of the record at `position`, leaving it after them.
    private func readCodes(_ arena: UnsafeBufferPointer<UInt8>, _ position: inout Int) -> CodeTexts {
        var texts = CodeTexts()
        if orgCodeSlot >= 0 {
            let length = Int(Self.readVarint(arena, &position) >> 2)
            texts.orgCode = ValueText(whole: position..<position + length)
            position += length
        }
        if usccSlot >= 0 {
            let tag = Self.readVarint(arena, &position)
            if tag & 3 == ValueKind.spliced.rawValue {
                texts.uscc = ValueText(spliced: position, around: texts.orgCode)
                position += 11
            } else {
                let length = Int(tag >> 2)
                texts.uscc = ValueText(whole: position..<position + length)
                position += length
            }
        }
        return texts
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
                    let texts = readCodes(arena, &position)
                    let mask = position
                    position += maskBytes
                    for slot in 0..<slots {
                        output.append(contentsOf: UnsafeBufferPointer(rebasing: literals[literalBounds[slot]..<literalBounds[slot + 1]]))
                        if slot == atSlot {
                            output.append(contentsOf: at)
                        } else if slot == orgCodeSlot {
                            texts.orgCode.write(from: arena, into: &output)
                        } else if slot == usccSlot {
                            texts.uscc.write(from: arena, into: &output)
                        } else if unique[slot] {
                            let tag = Self.readVarint(arena, &position)
                            if tag & 3 == ValueKind.number.rawValue {
                                JSONValue.appendDecimal(tag >> 2, to: &output)
                            } else {
                                let end = position + Int(tag >> 2)
                                output.append(contentsOf: UnsafeBufferPointer(rebasing: arena[position..<end]))
                                position = end
                            }
                        } else {
                            let ordinal = internedOrdinal[slot]
                            let value =
                                Self.isStored(ordinal, mask: mask, in: arena)
                                ? Int(Self.readVarint(arena, &position)) : Int(defaults[ordinal])
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
        for slot in records.indices where records[slot] != 0 {
            let publicOffset = records[slot]
            records[slot] = UInt32(fresh.count)
            fresh.append(contentsOf: arena[Int(publicOffset)..<recordEnd(publicOffset)])
            if let fullOffset = fullRecords[UInt32(slot)] {
                fullRecords[UInt32(slot)] = UInt32(fresh.count)
                fresh.append(contentsOf: arena[Int(fullOffset)..<recordEnd(fullOffset)])
            }
        }
        arena = fresh
        garbage = 0
    }

    private func recordEnd(_ offset: UInt32) -> Int {
        arena.withUnsafeBufferPointer { arena in
            var position = Int(offset)
            _ = readCodes(arena, &position)
            let mask = position
            position += maskBytes
            for slot in unique.indices where slot != template?.atSlot && slot != orgCodeSlot && slot != usccSlot {
                if unique[slot] {
                    let tag = Self.readVarint(arena, &position)
                    if tag & 3 == ValueKind.inline.rawValue { position += Int(tag >> 2) }
                } else if Self.isStored(internedOrdinal[slot], mask: mask, in: arena) {
                    _ = Self.readVarint(arena, &position)
                }
            }
            return position
        }
    }

    /// Appends a record: the code values first (so a lookup reads only them), the mask, then
    /// every other slot but `at` in template order.
    private mutating func append(_ values: [[UInt8]]) -> UInt32 {
        let offset = UInt32(arena.count)
        if orgCodeSlot >= 0 { appendInline(values[orgCodeSlot]) }
        if usccSlot >= 0 {
            let uscc = values[usccSlot]
            if orgCodeSlot >= 0, Self.embeds(uscc, values[orgCodeSlot]) {
                appendVarint(ValueKind.spliced.rawValue)
                arena.append(contentsOf: uscc[0..<9])
                arena.append(contentsOf: uscc[18..<20])
            } else {
                appendInline(uscc)
            }
        }
        let mask = arena.count
        arena.append(contentsOf: repeatElement(0, count: maskBytes))
        for (slot, value) in values.enumerated() where slot != template?.atSlot && slot != orgCodeSlot && slot != usccSlot {
            if unique[slot] {
                if let number = Self.decimal(value) {
                    appendVarint(number << 2 | ValueKind.number.rawValue)
                } else {
                    appendInline(value)
                }
            } else {
                let ordinal = internedOrdinal[slot]
                let id = intern(value)
                guard id != defaults[ordinal] else { continue }
                arena[mask + ordinal >> 3] |= 1 << (ordinal & 7)
                appendVarint(UInt64(id))
            }
        }
        return offset
    }

    /// Whether the record whose mask starts at `mask` holds a value for interned slot
    /// `ordinal` (else the slot's default is its value).
    private static func isStored(_ ordinal: Int, mask: Int, in arena: UnsafeBufferPointer<UInt8>) -> Bool {
        arena[mask + ordinal >> 3] & 1 << (ordinal & 7) != 0
    }

    /// The number a value's text is, when it is written exactly as `JSONValue.appendDecimal(_:to:)`
    /// writes it: digits only, no leading zero, at most eighteen.
    private static func decimal(_ text: [UInt8]) -> UInt64? {
        guard !text.isEmpty, text.count <= 18, text[0] != UInt8(ascii: "0") || text.count == 1 else { return nil }
        var number: UInt64 = 0
        for byte in text {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            number = number * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        return number
    }

    private mutating func appendInline(_ value: [UInt8]) {
        appendVarint(UInt64(value.count) << 2 | ValueKind.inline.rawValue)
        arena.append(contentsOf: value)
    }

    /// Whether `uscc` is an 18-character code (as JSON) whose characters 9–17 are `orgCode`'s.
    private static func embeds(_ uscc: [UInt8], _ orgCode: [UInt8]) -> Bool {
        uscc.count == 20 && orgCode.count == 11 && uscc[0] == UInt8(ascii: "\"") && orgCode[0] == UInt8(ascii: "\"")
            && uscc[9..<18].elementsEqual(orgCode[1..<10])
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
