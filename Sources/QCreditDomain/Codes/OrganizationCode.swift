/// The organization code (组织机构代码) standard, GB 11714-1997.
///
/// Eight body characters (digits and capital letters, A = 10 … Z = 35) and a mod-11 check
/// character, usually written `XXXXXXXX-X`. Every USCC embeds one at positions 9–17.
/// Use ``EnterpriseCode`` to validate input; this namespace holds the arithmetic.
public enum OrganizationCode {
    /// Number of characters in an organization code, without the hyphen.
    public static let length = 9

    /// Weights of body positions 1–8.
    public static let weights: [Int] = [3, 7, 9, 10, 5, 8, 4, 2]

    /// The value of `character` as an organization-code character: digits 0–9, A–Z 10–35;
    /// `nil` for anything else (including lower case: normalise first).
    public static func value(of character: Character) -> Int? {
        guard let ascii = character.asciiValue else { return nil }
        switch ascii {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(ascii - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(ascii - UInt8(ascii: "A")) + 10
        default: return nil
        }
    }

    /// The check character for an 8-character body, or `nil` when `body` is not exactly
    /// 8 digits or capital letters.
    ///
    /// C = 11 − (Σ value·weight mod 11); C = 10 is written `X` and C = 11 is written `0`.
    public static func checkCharacter(forBody body: String) -> Character? {
        checkCharacter(forBody: Array(body))
    }

    static func checkCharacter(forBody characters: [Character]) -> Character? {
        guard characters.count == 8 else { return nil }
        var sum = 0
        for (character, weight) in zip(characters, weights) {
            guard let value = value(of: character) else { return nil }
            sum += value * weight
        }
        switch 11 - sum % 11 {
        case 10: return "X"
        case 11: return "0"
        case let digit: return Character(String(digit))
        }
    }

    /// Checks a normalised 9-character candidate: characters, then the check character.
    ///
    /// Throws a character error; returns the check-character error, if any.
    static func checkErrors(in characters: [Character], code: String) throws(CodeError) -> [CodeError] {
        precondition(characters.count == length)
        // The check position accepts the same characters as the body: a letter there is
        // reported as a wrong check character (with the expected one), which tells the user
        // more than "not allowed".
        for (offset, character) in characters.enumerated() where value(of: character) == nil {
            throw CodeError(
                kind: .invalidCharacter, codeKind: .orgCode, code: code,
                position: offset + 1, expected: nil, found: String(character))
        }
        let expected = checkCharacter(forBody: Array(characters[0..<8]))!
        guard expected != characters[8] else { return [] }
        return [CodeError(
            kind: .wrongCheckCharacter, codeKind: .orgCode, code: code,
            position: 9, expected: String(expected), found: String(characters[8]))]
    }
}
