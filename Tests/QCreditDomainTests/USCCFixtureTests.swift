import QCreditDomain
import Testing

/// Every published code is accepted, and every single typing error made on one is caught
/// and reported where it is.
@Suite struct USCCFixtureTests {
    let codes: [String]

    init() throws {
        codes = try CodeFixtures.publishedUSCCs()
    }

    @Test func fixtureHoldsThe180PublishedCodes() {
        #expect(codes.count == 180)
        #expect(Set(codes).count == 180)
    }

    @Test func everyPublishedCodeIsAccepted() throws {
        for text in codes {
            let code = try EnterpriseCode(validating: text)
            #expect(code.kind == .uscc)
            #expect(code.value == text)
            #expect(code.uscc == text)
            #expect(code.description == text)
            let admitted = try EnterpriseCode.admittingWrongCheckCharacter(text)
            #expect(admitted.checkError == nil)
            #expect(USCC.checkCharacter(forFirst17: String(text.prefix(17))) == text.last)
        }
    }

    @Test func embeddedOrganizationCodesAreValidOrganizationCodes() throws {
        for text in codes {
            let uscc = try EnterpriseCode(validating: text)
            let embedded = String(Array(text)[8..<17])
            #expect(uscc.orgCode == embedded)
            #expect(uscc.formattedOrgCode == embedded.prefix(8) + "-" + embedded.suffix(1))

            // A lookup by the legacy code, written either way, reaches the same key.
            let plain = try EnterpriseCode(validating: embedded)
            let hyphenated = try EnterpriseCode(validating: uscc.formattedOrgCode)
            #expect(plain.kind == .orgCode)
            #expect(plain.uscc == nil)
            #expect(plain.orgCode == uscc.orgCode)
            #expect(hyphenated == plain)
            #expect(hyphenated.formattedOrgCode == uscc.formattedOrgCode)
            #expect(OrganizationCode.checkCharacter(forBody: String(embedded.prefix(8))) == embedded.last)
        }
    }

    @Test func structuralFieldsComeFromTheirPositions() throws {
        let code = try EnterpriseCode(validating: "91340600MA2PBMA74B")
        #expect(code.registrationAuthority == "9")
        #expect(code.entityType == "1")
        #expect(code.divisionCode == "340600")
        #expect(code.orgCode == "MA2PBMA74")
        #expect(code.formattedOrgCode == "MA2PBMA7-4")
        let business = try #require(codes.first { $0.hasPrefix("92") })
        #expect(try EnterpriseCode(validating: business).entityType == "2")
        let legacy = try EnterpriseCode(validating: "MA2PBMA7-4")
        #expect(legacy.registrationAuthority == nil)
        #expect(legacy.entityType == nil)
        #expect(legacy.divisionCode == nil)
    }

    /// The embedded organization code must be checked with GB 11714's values (A = 10 … Z = 35);
    /// with the USCC alphabet's indices (J = 18 instead of 19 …) real codes would be refused.
    @Test func embeddedCodeIsCheckedWithOrganizationCodeValues() throws {
        let withLetters = codes.filter { Array($0)[8..<16].contains { $0.isLetter } }
        #expect(withLetters.count >= 10)
        var wouldBeRefusedWithUSCCValues = 0
        for text in withLetters {
            #expect(CodeCheck.error(text) == nil)
            let body = Array(text)[8..<16]
            let sum = zip(body, OrganizationCode.weights).reduce(0) { $0 + USCC.value(of: $1.0)! * $1.1 }
            let wrongCheck: Character = switch 11 - sum % 11 {
            case 10: "X"
            case 11: "0"
            case let digit: Character(String(digit))
            }
            if wrongCheck != Array(text)[16] { wouldBeRefusedWithUSCCValues += 1 }
        }
        #expect(wouldBeRefusedWithUSCCValues > 0)
    }

    /// Any other alphabet character at any position breaks the mod-31 check (31 is prime and
    /// every weight is non-zero), so the error is always at position 18, naming the right one.
    @Test func everyInAlphabetSubstitutionIsCaughtByTheCheckCharacter() {
        var checked = 0
        var failures: [String] = []
        for text in codes {
            let original = Array(text)
            for position in 0..<18 {
                for replacement in USCC.alphabet where replacement != original[position] {
                    var mutated = original
                    mutated[position] = replacement
                    let input = String(mutated)
                    let expected = USCC.checkCharacter(forFirst17: String(mutated[0..<17]))!
                    let want = CodeError(
                        kind: .wrongCheckCharacter, codeKind: .uscc, code: input,
                        position: 18, expected: String(expected), found: String(mutated[17]))
                    let got = CodeCheck.error(input)
                    if got != want { failures.append("\(input): \(got.map(String.init(describing:)) ?? "accepted")") }
                    checked += 1
                }
            }
        }
        #expect(checked == 180 * 18 * 30)
        #expect(failures.isEmpty, "\(failures.count) wrong results, e.g. \(failures.prefix(5))")
    }

    /// Characters outside the alphabet (including the five excluded letters, typed in either
    /// case or full width) are reported as invalid at the position where they were typed.
    @Test func everySubstitutionOutsideTheAlphabetIsReportedAtItsPosition() {
        // (typed, as it appears after normalisation)
        let outside: [(String, String)] = [
            ("I", "I"), ("O", "O"), ("S", "S"), ("V", "V"), ("Z", "Z"),
            ("i", "I"), ("o", "O"), ("z", "Z"), ("Ｏ", "O"), ("ｓ", "S"),
            (".", "."), ("/", "/"), ("#", "#"), ("_", "_"), ("*", "*"),
            ("中", "中"), ("é", "é"), ("Ⅰ", "Ⅰ"), ("\u{7}", "\u{7}"),
        ]
        var checked = 0
        var failures: [String] = []
        for text in codes {
            let original = Array(text)
            for position in 0..<18 {
                for (typed, normalised) in outside {
                    var mutated = original.map(String.init)
                    mutated[position] = typed
                    let input = mutated.joined()
                    mutated[position] = normalised
                    // At the check position the character it should be is named.
                    let want = CodeError(
                        kind: .invalidCharacter, codeKind: .uscc, code: mutated.joined(),
                        position: position + 1, expected: position == 17 ? String(original[17]) : nil, found: normalised)
                    let got = CodeCheck.error(input)
                    if got != want { failures.append("\(input): \(got.map(String.init(describing:)) ?? "accepted")") }
                    checked += 1
                }
            }
        }
        #expect(checked == 180 * 18 * outside.count)
        #expect(failures.isEmpty, "\(failures.count) wrong results, e.g. \(failures.prefix(5))")
    }

    /// Swapping two neighbours changes S by (a − b)·(w[i+1] − w[i]) = (a − b)·2·w[i] (or
    /// (a − b)·−27 for positions 17/18), never 0 mod 31: always caught at position 18.
    @Test func everyAdjacentTranspositionIsCaught() {
        var checked = 0
        var failures: [String] = []
        for text in codes {
            let original = Array(text)
            for position in 0..<17 where original[position] != original[position + 1] {
                var mutated = original
                mutated.swapAt(position, position + 1)
                let input = String(mutated)
                let expected = USCC.checkCharacter(forFirst17: String(mutated[0..<17]))!
                let want = CodeError(
                    kind: .wrongCheckCharacter, codeKind: .uscc, code: input,
                    position: 18, expected: String(expected), found: String(mutated[17]))
                let got = CodeCheck.error(input)
                if got != want { failures.append("\(input): \(got.map(String.init(describing:)) ?? "accepted")") }
                checked += 1
            }
        }
        #expect(checked > 180 * 10)
        #expect(failures.isEmpty, "\(failures.count) wrong results, e.g. \(failures.prefix(5))")
    }

    /// A dropped or doubled character is a length error, whichever one it is.
    @Test func everyDeletionAndDuplicationIsALengthError() {
        for text in codes {
            let original = Array(text)
            for position in 0..<18 {
                var shorter = original
                shorter.remove(at: position)
                var longer = original
                longer.insert(original[position], at: position)
                #expect(CodeCheck.error(String(shorter))?.kind == .wrongLength)
                #expect(CodeCheck.error(String(shorter))?.found == "17")
                #expect(CodeCheck.error(String(longer))?.kind == .wrongLength)
                #expect(CodeCheck.error(String(longer))?.found == "19")
            }
        }
    }

    /// GB 11714's mod-11 check over values up to 35 cannot see a substitution whose value
    /// differs by a multiple of 11 (1 ↔ C, 2 ↔ D, A ↔ L …); every other one is caught.
    /// This pins down exactly what a bare organization code can and cannot detect.
    @Test func organizationCodeSubstitutionsAreCaughtUnlessTheValuesDifferBy11() {
        let orgAlphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var undetectable = 0
        var failures: [String] = []
        for text in codes {
            let original = Array(text)[8..<17].map { $0 }
            for position in 0..<9 {
                for replacement in orgAlphabet where replacement != original[position] {
                    var mutated = original
                    mutated[position] = replacement
                    let got = CodeCheck.error(String(mutated))
                    let difference = OrganizationCode.value(of: replacement)! - OrganizationCode.value(of: original[position])!
                    if position < 8 && difference % 11 == 0 {
                        undetectable += 1
                        if got != nil { failures.append("\(String(mutated)) should be valid") }
                    } else {
                        let expected = OrganizationCode.checkCharacter(forBody: String(mutated[0..<8]))!
                        let want = CodeError(
                            kind: .wrongCheckCharacter, codeKind: .orgCode, code: String(mutated),
                            position: 9, expected: String(expected), found: String(mutated[8]))
                        if got != want { failures.append("\(String(mutated)): \(String(describing: got))") }
                    }
                }
            }
        }
        #expect(undetectable > 0)
        #expect(failures.isEmpty, "\(failures.count) wrong results, e.g. \(failures.prefix(5))")
    }
}
