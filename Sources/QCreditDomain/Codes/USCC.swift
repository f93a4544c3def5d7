/// The Unified Social Credit Code (统一社会信用代码) standard, GB 32100-2015.
///
/// 18 characters from a 31-symbol alphabet (the digits and the capital letters without
/// I, O, S, V and Z), the last one a mod-31 check character over the first 17.
/// Use ``EnterpriseCode`` to validate input; this namespace holds the arithmetic, so that
/// test-data generators and import tools can compute check characters themselves.
public enum USCC {
    /// Number of characters in a USCC.
    public static let length = 18

    /// The alphabet, in value order: a character's value is its index here.
    public static let alphabet: [Character] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")

    /// The letters the standard never uses (they are too easily read as digits or each other).
    public static let excludedLetters: [Character] = ["I", "O", "S", "V", "Z"]

    /// Weights of positions 1–17: 3^(i−1) mod 31.
    public static let weights: [Int] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// Positions (1-based) of the embedded organization code.
    public static let embeddedOrgCodePositions: ClosedRange<Int> = 9...17

    /// The organization code inside `uscc`, as stored (positions 9–17, no hyphen).
    ///
    /// ```swift
    /// USCC.embeddedOrgCode(of: "911522010783762860")   // "078376286"
    /// ```
    public static func embeddedOrgCode(of uscc: some StringProtocol) -> String {
        String(uscc.dropFirst(embeddedOrgCodePositions.lowerBound - 1).prefix(embeddedOrgCodePositions.count))
    }

    // ASCII lookup table: value of each byte in the alphabet, or -1. Built once; the
    // exhaustive tests validate hundreds of thousands of codes, so lookups must be cheap.
    private static let valueTable: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (index, character) in alphabet.enumerated() {
            table[Int(character.asciiValue!)] = Int8(index)
        }
        return table
    }()

    /// The value of `character` in the USCC alphabet (0–30), or `nil` if it is not in it.
    public static func value(of character: Character) -> Int? {
        guard let ascii = character.asciiValue, ascii < 128 else { return nil }
        let value = valueTable[Int(ascii)]
        return value < 0 ? nil : Int(value)
    }

    /// The check character (position 18) for the first 17 characters of a USCC, or `nil`
    /// when `first17` is not exactly 17 characters of the alphabet.
    ///
    /// S = Σ value·weight over positions 1–17; check = alphabet[(31 − S mod 31) mod 31].
    public static func checkCharacter(forFirst17 first17: String) -> Character? {
        checkCharacter(forFirst17: Array(first17))
    }

    static func checkCharacter(forFirst17 characters: [Character]) -> Character? {
        guard characters.count == 17 else { return nil }
        var sum = 0
        for (character, weight) in zip(characters, weights) {
            guard let value = value(of: character) else { return nil }
            sum += value * weight
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// Checks a normalised 18-character candidate in the standard's order: characters, then
    /// the USCC check character, then the embedded organization code's check character.
    ///
    /// Throws the first character error (fatal even when admitting wrong check characters);
    /// returns the check-character errors, in order, possibly empty.
    static func checkErrors(in characters: [Character], code: String) throws(CodeError) -> [CodeError] {
        precondition(characters.count == length)
        for (offset, character) in characters.enumerated() where value(of: character) == nil {
            // At the check position after 17 valid characters, the character it should be is
            // known, and named (audit: 'I' there was only "not allowed").
            let expected = offset == 17 ? EnterpriseCode.expectedCheckCharacter(characters, kind: .uscc) : nil
            throw CodeError(
                kind: .invalidCharacter, codeKind: .uscc, code: code,
                position: offset + 1, expected: expected, found: String(character))
        }
        var errors: [CodeError] = []
        let expected = checkCharacter(forFirst17: Array(characters[0..<17]))!
        if expected != characters[17] {
            errors.append(CodeError(
                kind: .wrongCheckCharacter, codeKind: .uscc, code: code,
                position: 18, expected: String(expected), found: String(characters[17])))
        }
        // Positions 9–17 are checked with GB 11714's own values (A = 10 … Z = 35), not the
        // USCC alphabet's indices. Every USCC character is a valid org-code body character,
        // so the body always has a check character.
        let body = Array(characters[8..<16])
        let expectedEmbedded = OrganizationCode.checkCharacter(forBody: body)!
        if expectedEmbedded != characters[16] {
            errors.append(CodeError(
                kind: .wrongEmbeddedCheckCharacter, codeKind: .uscc, code: code,
                position: 17, expected: String(expectedEmbedded), found: String(characters[16])))
        }
        return errors
    }
}
