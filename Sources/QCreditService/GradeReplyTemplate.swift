import CanonicalJSON

/// The text of a `GetGrade` reply cut into what every reply shares (keys, punctuation) and
/// slots for what differs: the members of `grade` and of `grade.enterprise`.
///
/// It is cut from the writer's own output for a reply whose values are placeholders, so
/// joining the literals with a file's values (each written by the same writer) gives exactly
/// the bytes the writer gives for the whole reply: member order depends on the keys alone.
struct GradeReplyTemplate: Sendable {
    /// Where a slot's value sits: a member of `grade`, or of `grade.enterprise`.
    struct Slot: Sendable, Equatable {
        var key: String
        var inEnterprise: Bool
    }

    /// `literals[i]` comes before `slots[i]`; the last literal ends the reply.
    let literals: [[UInt8]]
    let slots: [Slot]
    /// The slot of `grade.at`, the moment of the answer, filled in when answering.
    let atSlot: Int
    private let gradeKeys: Set<String>
    private let enterpriseKeys: Set<String>

    static let enterpriseKey = "enterprise"
    static let atKey = "at"

    /// Cut from a reply's `grade` object; nil if it lacks the members every reply has.
    init?(sample grade: [String: JSONValue]) {
        guard case .object(let enterprise)? = grade[Self.enterpriseKey], grade[Self.atKey] != nil else { return nil }
        var slotsByNumber: [Slot] = []
        func placeholder(_ slot: Slot) -> JSONValue {
            slotsByNumber.append(slot)
            return .string("\u{E000}\(slotsByNumber.count - 1)")
        }
        var marked: [String: JSONValue] = [:]
        for key in grade.keys where key != Self.enterpriseKey { marked[key] = placeholder(Slot(key: key, inEnterprise: false)) }
        var markedEnterprise: [String: JSONValue] = [:]
        for key in enterprise.keys { markedEnterprise[key] = placeholder(Slot(key: key, inEnterprise: true)) }
        marked[Self.enterpriseKey] = .object(markedEnterprise)
        let text = JSONValue.object(["grade": .object(marked)]).encoded()

        // Each placeholder is written `"` EE 80 80 digits `"` (U+E000 is copied as UTF-8).
        var literals: [[UInt8]] = []
        var slots: [Slot] = []
        var literalStart = 0
        var index = 0
        while index < text.count {
            guard text[index] == UInt8(ascii: "\""), index + 4 < text.count, text[index + 1] == 0xEE,
                text[index + 2] == 0x80, text[index + 3] == 0x80
            else {
                index += 1
                continue
            }
            var end = index + 4
            var number = 0
            while text[end] != UInt8(ascii: "\"") {
                number = number * 10 + Int(text[end] - UInt8(ascii: "0"))
                end += 1
            }
            literals.append(Array(text[literalStart..<index]))
            slots.append(slotsByNumber[number])
            literalStart = end + 1
            index = end + 1
        }
        literals.append(Array(text[literalStart...]))
        guard let atSlot = slots.firstIndex(of: Slot(key: Self.atKey, inEnterprise: false)) else { return nil }
        self.literals = literals
        self.slots = slots
        self.atSlot = atSlot
        self.gradeKeys = Set(grade.keys)
        self.enterpriseKeys = Set(enterprise.keys)
    }

    /// A reply's values in slot order, each as the writer writes it (`at` left empty); nil when
    /// its members are not the template's.
    func values(of grade: [String: JSONValue]) -> [[UInt8]]? {
        guard case .object(let enterprise)? = grade[Self.enterpriseKey], Set(grade.keys) == gradeKeys,
            Set(enterprise.keys) == enterpriseKeys
        else { return nil }
        return slots.enumerated().map { number, slot in
            guard number != atSlot else { return [] }
            return (slot.inEnterprise ? enterprise[slot.key] : grade[slot.key])?.encoded() ?? []
        }
    }
}
