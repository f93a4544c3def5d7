/// A validated enterprise identifier: a USCC (统一社会信用代码, GB 32100-2015) or a legacy
/// organization code (组织机构代码, GB 11714-1997).
///
/// Input is normalised first (see ``normalize(_:)``), so codes pasted from documents with
/// spaces, hyphens, lower case or full-width characters are accepted. Whatever is wrong with
/// a code is thrown as a ``CodeError`` that says exactly what and where.
///
/// A USCC embeds its holder's organization code at positions 9–17, and ``orgCode`` exposes
/// it: key lookups on ``orgCode`` so that a query by either code finds the same file.
///
/// ```swift
/// let code = try EnterpriseCode(validating: "9115 2201 0783 7941 x1")
/// code.kind                   // .uscc
/// code.value                  // "9115220107837941X1"
/// code.orgCode                // "07837941X"
/// code.formattedOrgCode       // "07837941-X"
/// code.divisionCode           // "152201"
///
/// let legacy = try EnterpriseCode(validating: "07837941-X")
/// legacy.orgCode == code.orgCode   // true
///
/// do {
///     _ = try EnterpriseCode(validating: "9115220107837941X2")
/// } catch {
///     print(error.reason)  // check character at position 18 should be '1', found '2'
/// }
/// ```
public struct EnterpriseCode: Hashable, Sendable, CustomStringConvertible {
    public let kind: CodeKind
    /// The normalised code: 18 characters for a USCC, 9 (no hyphen) for an organization code.
    public let value: String

    // Only the validating entry points make instances, so holding one means the code passed
    // (or was explicitly admitted despite a wrong check character).
    private init(kind: CodeKind, value: String) {
        self.kind = kind
        self.value = value
    }

    /// Normalises `input` and validates it as a USCC (18 characters) or an organization code
    /// (9 characters), as told by `expectedKind` or, when that is `nil`, by the length.
    ///
    /// - Throws: the first ``CodeError`` in the order empty → length → characters → check
    ///   character → embedded organization-code check character.
    public init(validating input: String, as expectedKind: CodeKind? = nil) throws(CodeError) {
        let parsed = try Self.parse(input, as: expectedKind)
        if let error = parsed.checkErrors.first { throw error }
        self = parsed.code
    }

    /// Accepts a code whose only fault is a wrong check character (the USCC's own, its
    /// embedded organization code's, or an organization code's), as some early pilot codes
    /// were really issued that way. Only an import told explicitly to admit such codes should
    /// call this, and it should keep the returned error as a visible flag on the file.
    ///
    /// - Returns: the code, and the error ``init(validating:as:)`` would have thrown (`nil`
    ///   when the code is fully valid). When both of a USCC's check characters are wrong, the
    ///   error is the one for position 18.
    /// - Throws: any other ``CodeError`` (empty, length, characters).
    public static func admittingWrongCheckCharacter(
        _ input: String, as expectedKind: CodeKind? = nil
    ) throws(CodeError) -> (code: EnterpriseCode, checkError: CodeError?) {
        let parsed = try parse(input, as: expectedKind)
        return (parsed.code, parsed.checkErrors.first)
    }

    /// The check character `characters` (a whole code of `kind`) should end with, when the rest
    /// of it is valid: an invalid character in that place is named with it (audit: a USCC ending
    /// in I, or an organization code in Cyrillic Х, gave no expected character).
    static func expectedCheckCharacter(_ characters: [Character], kind: CodeKind?) -> String? {
        switch kind {
        case .uscc? where characters.count == USCC.length:
            return USCC.checkCharacter(forFirst17: Array(characters[0..<17])).map { String($0) }
        case .orgCode? where characters.count == OrganizationCode.length:
            return OrganizationCode.checkCharacter(forBody: Array(characters[0..<8])).map { String($0) }
        default:
            return nil
        }
    }

    private static func parse(
        _ input: String, as expectedKind: CodeKind?
    ) throws(CodeError) -> (code: EnterpriseCode, checkErrors: [CodeError]) {
        let normalised = normalize(input)
        let characters = Array(normalised)
        guard !characters.isEmpty else {
            throw CodeError(kind: .empty, codeKind: expectedKind, code: "")
        }
        // A character no code uses (anything but an ASCII digit or capital once normalised: a
        // NUL from a broken export, a full stop, a dash of no known kind) is named where it is,
        // whatever the length: counted in the length, it read "found 19". The letters a USCC
        // leaves out (I, O, S, V, Z) are its own check's, once the length says it is one.
        if let position = characters.firstIndex(where: { character in
            let scalars = character.unicodeScalars
            guard scalars.count == 1, let value = scalars.first?.value else { return true }
            return !((0x30...0x39).contains(value) || (0x41...0x5A).contains(value))
        }) {
            let byLength: CodeKind? = [USCC.length: .uscc, OrganizationCode.length: .orgCode][characters.count]
            let kind = expectedKind ?? byLength
            throw CodeError(
                kind: .invalidCharacter, codeKind: kind, code: normalised, position: position + 1,
                expected: position == characters.count - 1 ? expectedCheckCharacter(characters, kind: kind) : nil,
                found: String(characters[position]))
        }
        let kind: CodeKind
        switch (characters.count, expectedKind) {
        case (USCC.length, nil), (USCC.length, .uscc?):
            kind = .uscc
        case (OrganizationCode.length, nil), (OrganizationCode.length, .orgCode?):
            kind = .orgCode
        default:
            let expectedLength: String
            switch expectedKind {
            case .uscc?: expectedLength = String(USCC.length)
            case .orgCode?: expectedLength = String(OrganizationCode.length)
            case nil: expectedLength = "\(USCC.length) or \(OrganizationCode.length)"
            }
            throw CodeError(
                kind: .wrongLength, codeKind: expectedKind, code: normalised,
                expected: expectedLength, found: String(characters.count))
        }
        let checkErrors: [CodeError]
        switch kind {
        case .uscc: checkErrors = try USCC.checkErrors(in: characters, code: normalised)
        case .orgCode: checkErrors = try OrganizationCode.checkErrors(in: characters, code: normalised)
        }
        return (EnterpriseCode(kind: kind, value: normalised), checkErrors)
    }

    /// The USCC itself, or `nil` for an organization code.
    public var uscc: String? { kind == .uscc ? value : nil }

    /// The organization code (9 characters, no hyphen): the code itself, or the one embedded
    /// in a USCC at positions 9–17. The same for both forms of one enterprise's code.
    public var orgCode: String {
        switch kind {
        case .uscc: return USCC.embeddedOrgCode(of: value)
        case .orgCode: return value
        }
    }

    /// ``orgCode`` as usually written, with a hyphen before the check character: `XXXXXXXX-X`.
    public var formattedOrgCode: String {
        let code = orgCode
        return code.prefix(8) + "-" + code.suffix(1)
    }

    /// USCC position 1, the registration authority (登记管理部门): e.g. `1` staffing office,
    /// `5` civil affairs, `9` market regulation, `Y` other. `nil` for an organization code.
    public var registrationAuthority: Character? { kind == .uscc ? value.first : nil }

    /// USCC position 2, the entity type within the authority (under `9`: `1` enterprise,
    /// `2` individual business, `3` farmers' cooperative). `nil` for an organization code.
    public var entityType: Character? { kind == .uscc ? value.dropFirst().first : nil }

    /// USCC positions 3–8, the administrative division of the registering authority
    /// (GB/T 2260). `nil` for an organization code.
    public var divisionCode: String? { kind == .uscc ? String(value.dropFirst(2).prefix(6)) : nil }

    public var description: String { value }
}
