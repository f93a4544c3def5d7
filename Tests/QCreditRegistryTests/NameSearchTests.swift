import Foundation
import GRDB
import Logging
import QCreditConfig
import QCreditDomain
import QCreditRegistry
@testable import QCreditStore
import Testing

/// FindEnterprises: current and former names, Chinese and Latin, substring and misspelling
/// tolerant, ranked, with the public view applied.
@Suite struct NameSearchTests {
    typealias F = RegistryFixture

    /// The fixture's real codes under realistic names, plus synthetic neighbours.
    static func populated() async throws -> RegistryFixture {
        let fixture = try await RegistryFixture()
        try await fixture.register(F.usccA, name: "贵州黔南某某水泥有限公司")
        try await fixture.register(F.usccB, name: "Guiyang Building Materials Trading Co., Ltd.")
        try await fixture.register(F.usccC, name: "贵阳某某建材有限公司")
        for (index, line) in try syntheticCodes().prefix(40).enumerated() {
            try await fixture.register(line, name: "合成企业\(index)号贸易有限公司")
        }
        return fixture
    }

    /// Registers `count` made-up firms from `serial` on, named by `name`, in one batch, then one
    /// more named `firm`, whose code is returned: a crowd of older names before the firm a query
    /// looks for.
    static func crowd(
        _ fixture: RegistryFixture, _ count: Int, serial: Int, name: (Int) -> String, thenFirm firm: String
    ) async throws -> String {
        let codes = (1...count + 1).map { USCC.madeUp(serial: serial + $0) }
        let crowd = codes.prefix(count).enumerated().map { RegistrationRequest(code: $1, name: name($0)) }
        _ = try await fixture.registry.registerEnterprises(crowd, place: nil, naming: { "\($0)" }, by: F.regulator)
        try await fixture.register(codes[count], name: firm)
        return codes[count]
    }

    /// Valid codes from the shared fixture file (other than the three named ones).
    static func syntheticCodes() throws -> [String] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("QCreditDomainTests/Fixtures/uscc-valid.txt")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { ![F.usccA, F.usccB, F.usccC].contains($0) && $0.count == 18 }
    }

    /// How many names the trigram index holds. It is contentless (Schema/0016), so it cannot be
    /// scanned; every name's first term is the only one that starts with the two U+0002 marks.
    static func indexedNames(_ database: DatabaseQueue) throws -> Int {
        try database.write { db in
            try db.execute(sql: "CREATE VIRTUAL TABLE temp.name_terms USING fts5vocab(main, enterprise_name_search, 'row')")
            return try Int.fetchOne(db, sql: "SELECT SUM(doc) FROM temp.name_terms WHERE term >= char(2, 2) AND term < char(2, 3)") ?? 0
        }
    }

    func find(_ fixture: RegistryFixture, _ name: String, view: RecordView = .full, limit: Int? = nil) async throws
        -> [EnterpriseMatch]
    {
        try await fixture.registry.findEnterprises(name: name, limit: limit, view: view)
    }

    @Test func aThreeCharacterSubstringFindsTheFile() async throws {
        let fixture = try await Self.populated()
        let chinese = try await find(fixture, "黔南某")
        #expect(chinese.first?.enterprise.uscc == F.usccA)
        #expect(chinese.first?.match.tier == .substring)
        let latin = try await find(fixture, "MATERIALS")  // case does not matter
        #expect(latin.map(\.enterprise.uscc) == [F.usccB])
        // Nor do full-width forms and runs of white space.
        let fullWidth = try await find(fixture, "Ｂｕｉｌｄｉｎｇ \u{3000} Materials")
        #expect(fullWidth.map(\.enterprise.uscc) == [F.usccB])
        #expect(fullWidth.first?.match.tier == .substring)
    }

    /// The index answers which names hold each trigram, not where (Schema/0018): a name that
    /// holds all of a query's trigrams apart is not a match, and does not take a place of the
    /// limit from one that is.
    @Test func aNameHoldingTheTrigramsApartIsNotASubstringMatch() async throws {
        let fixture = try await RegistryFixture()
        let codes = try Self.syntheticCodes()
        try await fixture.register(codes[0], name: "abcxbcd trading")  // "abc" and "bcd", not "abcd"
        try await fixture.register(codes[1], name: "Abcd Trading")
        let found = try await find(fixture, "abcd")
        #expect(found.map(\.enterprise.uscc) == [codes[1]])
        let hits = try await fixture.rawDatabase().read { db in
            try RegistryReader(db).names(containing: "ABCD", limit: 1)
        }
        #expect(hits.map(\.name) == ["Abcd Trading"])
    }

    @Test func aTrigramQueryLeavesTheLegalFormToTheCheck() {
        #expect(TrigramQuery("黔南某某").match == "\"黔南某\" AND \"南某某\"")
        // 有限公司 is in nearly every name: only the trigrams that tell names apart are asked for.
        #expect(TrigramQuery("某某有限公司").match == "\"某某有\" AND \"某有限\"")
        #expect(TrigramQuery("有限公司").match == "\"有限公\" AND \"限公司\"")
        #expect(TrigramQuery("AbC\"d").match == "\"abc\" AND \"bc\"\"\" AND \"c\"\"d\"")
        #expect(TrigramQuery("ab").match == nil)
        // A longer text asks for three trigrams: its first, middle and last.
        #expect(TrigramQuery("贵州黔南某某水泥").match == "\"贵州黔\" AND \"黔南某\" AND \"某水泥\"")
        #expect(TrigramQuery("ÉCOLE").isHeld(in: "Grande école Ltd"))
        #expect(!TrigramQuery("abcd").isHeld(in: "abcxbcd"))
    }

    /// Names are kept as registered; a name in full-width letters is found by a query in ASCII,
    /// whole, by a piece, by its first letters and misspelt.
    @Test func aNameRegisteredInFullWidthLettersIsFoundByAnASCIIQuery() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(F.usccA, name: "Ｂｅｔａ Ｓｔｅｅｌ Ｗｏｒｋｓ")
        try await fixture.register(F.usccB, name: "Ａｃｍｅ\u{3000}Ｆｕｌｌｗｉｄｔｈ")
        for (query, tier) in [
            ("Beta Steel Works", NameMatch.Tier.exact), ("beta steel", .prefix), ("Be", .prefix), ("steel", .substring),
            ("Beta Stele Works", .fuzzy),
        ] {
            let matches = try await find(fixture, query)
            #expect(matches.map(\.enterprise.uscc) == [F.usccA], "\(query)")
            #expect(matches.first?.match.tier == tier, "\(query)")
        }
        #expect(try await find(fixture, "fullwidth").map(\.enterprise.uscc) == [F.usccB])
        #expect(try await find(fixture, "ac").map(\.enterprise.uscc) == [F.usccB])
    }

    /// A name mixing forms (ASCII letters beside full-width brackets, as many registered names
    /// do) or holding an ideographic space or a run of spaces is found by short queries too:
    /// the index holds names folded as queries are (Schema/0022).
    @Test func aNameMixingFullAndHalfWidthFormsIsFoundByAShortQuery() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(F.usccA, name: "IBM（中国）有限公司")
        try await fixture.register(F.usccB, name: "北京\u{3000}某某贸易有限公司")
        try await fixture.register(F.usccC, name: "Acme  Double  Space Ltd")
        for (query, code) in [
            ("IBM(中", F.usccA), ("BM(中国", F.usccA), ("M(中国", F.usccA), ("ＢＭ（中", F.usccA), ("m（中国）", F.usccA),
            ("北京 某某", F.usccB), ("京　某", F.usccB), ("e Dou", F.usccC), ("e\u{3000}\u{3000}Dou", F.usccC),
        ] {
            let matches = try await find(fixture, query)
            #expect(matches.map(\.enterprise.uscc) == [code], "\(query)")
        }
        #expect(try await find(fixture, "ibm（中国）有限公司").first?.match.tier == .exact)
        #expect(try await find(fixture, "Ｉ").map(\.enterprise.uscc) == [F.usccA])
        // Invisible characters pasted with a query (a zero-width space, a byte order mark) do not count.
        #expect(try await find(fixture, "\u{200B}Acme Double\u{FEFF}").first?.match.tier == .prefix)
        // Tabs and line breaks typed in a query are white space too.
        #expect(try await find(fixture, "Acme\tDouble").map(\.enterprise.uscc) == [F.usccC])
        #expect(try await find(fixture, "Acme\nDouble").first?.match.tier == .prefix)
    }

    /// The index's key function answers most names from their bytes: only where the full fold
    /// leaves a name as it is, whatever characters it holds.
    @Test func theKeyFunctionsShortCutAgreesWithTheFold() {
        var names = [
            "贵州黔南某某水泥有限公司", "IBM（中国）有限公司", "北京\u{3000}某某", "acme  double", " lead", "trail ", "abc def",
            "Abc", "müller gmbh", "MÜLLER", "ｆｕｌｌ", "a\u{00A0}b", "数字123号", "〇〇公司", "カタカナ", "x\ty", "ǅ", "ꙁ", "",
        ]
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("aZ 　（）中国有限公司ÉéＡ1-.,'\u{2003}")
        for _ in 0..<2000 {
            names.append(String((0..<Int.random(in: 0...8, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        for name in names {
            var utf8 = Array(name.utf8)
            let shortCut = utf8.withUnsafeMutableBufferPointer { NameIndexKey.foldsToItself(UnsafeBufferPointer($0)) }
            if shortCut { #expect(NameIndexKey.of(name) == name, "\(name.debugDescription)") }
        }
        #expect(NameIndexKey.of("IBM（中国）有限公司") == "ibm(中国)有限公司")
    }

    /// Names indexed before migration 22 as they were registered are indexed again folded.
    @Test func theFoldingMigrationIndexesNamesRegisteredBeforeIt() async throws {
        let store = try await OlderStore(upTo: "0021_checkpoints_signed_again.sql") { db in
            try db.execute(
                sql: "INSERT INTO enterprise_code (code, enterprise_id, kind, audit_id) VALUES (?, 1, 'uscc', 1)", arguments: [F.usccA])
            try db.execute(
                sql: "INSERT INTO enterprise_revision (enterprise_id, name, status, recorded_at, audit_id) VALUES (1, ?, 'active', 0, 1)",
                arguments: ["IBM（中国）有限公司"])
            // As the registry of migration 21 indexed it: as registered.
            try db.execute(
                sql: "INSERT INTO enterprise_name_search (rowid, name) SELECT id, char(2, 2) || name || char(3) FROM enterprise_revision")
        }
        defer { store.remove() }
        let registry = try await Registry(
            database: try RegistryDatabase(path: store.path), policy: PolicyFile.defaultPolicy(),
            clock: ManualClock(CivilDate(iso: "2026-03-02")!),
            logger: Logger(label: "qcredit.test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(try await registry.findEnterprises(name: "M(中国", view: .full).map(\.enterprise.uscc) == [F.usccA])
        #expect(try Self.indexedNames(DatabaseQueue(path: store.path)) == 1)
    }

    /// Runs of white space in a stored name do not matter to a misspelt query either.
    @Test func aMisspeltQueryFindsANameWithRunsOfWhiteSpace() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(F.usccA, name: "Acme  Quality   Works Ltd")
        for query in ["Acme Qualityy", "Acme Quality Works Ltdd", "Acne Quality"] {
            let matches = try await find(fixture, query)
            #expect(matches.map(\.enterprise.uscc) == [F.usccA], "\(query)")
            #expect(matches.first?.match.tier == .fuzzy, "\(query)")
        }
        // Nor in the query, whatever the run's length or kind, against a name in full-width letters.
        try await fixture.register(F.usccB, name: "Ｑｕａｌｉｔｙ  Ｓｔｅｅｌ")
        for spaces in [" ", "  ", "   ", "    ", "     ", "\u{3000}", "\u{3000} "] {
            let query = "qualty" + spaces + "steel"
            #expect(try await find(fixture, query).map(\.enterprise.uscc) == [F.usccB], "\(query.debugDescription)")
        }
    }

    @Test func aMisspeltLongerNameStillFindsTheFile() async throws {
        let fixture = try await Self.populated()
        // One character wrong (坭 for 泥), and one missing from the Latin name.
        let chinese = try await find(fixture, "黔南某某水坭有限")
        #expect(chinese.first?.enterprise.uscc == F.usccA)
        #expect(chinese.first?.match.tier == .fuzzy)
        #expect(chinese.first?.match.edits == 1)
        let latin = try await find(fixture, "Buildng Materials")
        #expect(latin.first?.enterprise.uscc == F.usccB)
        // Too far off: nothing.
        #expect(try await find(fixture, "完全无关的名称字符串").isEmpty)
    }

    /// README, the ranking rule's fuzzy kind: one edit for queries of 6 to 15 characters, two
    /// from 16, none below 6.
    @Test func howManyMisspellingsAQueryMayHoldFollowsItsLength() async throws {
        let fixture = try await RegistryFixture()
        let codes = try Self.syntheticCodes()
        try await fixture.register(codes[0], name: "Northwind Precision Castings Limited")
        try await fixture.register(codes[1], name: "Adler")
        let codesFound = { (query: String) async throws -> [String?] in try await self.find(fixture, query).map(\.enterprise.uscc) }
        // Five characters, one wrong: too short to forgive.
        #expect(try await codesFound("Adlar").isEmpty)
        // Six to fifteen characters: one edit is forgiven, two are not.
        let one = try await find(fixture, "Northwynd")
        #expect(one.map(\.enterprise.uscc) == [codes[0]] && one.first?.match.edits == 1, "\(one)")
        #expect(try await codesFound("Nurthwynd").isEmpty)
        #expect(try await codesFound("Precizion Castx").isEmpty, "15 characters with two edits")
        // Sixteen or more: two edits are forgiven.
        let two = try await find(fixture, "Precizion Castyngs")
        #expect(two.map(\.enterprise.uscc) == [codes[0]] && two.first?.match.edits == 2, "\(two)")
        // A name of 200 characters is a query; 201 is refused (above).
        #expect(try await codesFound(String(repeating: "名", count: 200)).isEmpty)
    }

    @Test func rankingIsExactThenPrefixThenSubstringThenFuzzy() async throws {
        let fixture = try await RegistryFixture()
        let codes = try Self.syntheticCodes()
        try await fixture.register(codes[0], name: "上海示例质量科技有限公司分公司")  // substring
        try await fixture.register(codes[1], name: "示例质量科技")  // exact
        try await fixture.register(codes[2], name: "示例质量科技有限公司")  // prefix
        try await fixture.register(codes[3], name: "北京示例质量科技有限公司")  // substring, another
        try await fixture.register(codes[4], name: "示例质星科技有限公司")  // fuzzy
        let matches = try await find(fixture, "示例质量科技")
        #expect(matches.map(\.match.tier) == [.exact, .prefix, .substring, .substring, .fuzzy])
        #expect(matches.prefix(2).map(\.enterprise.uscc) == [codes[1], codes[2]])
        // Among substrings, the shorter name first.
        #expect(matches[2].enterprise.uscc == codes[3])
        #expect(try await find(fixture, "示例质量科技", limit: 2).count == 2)
    }

    @Test func aFormerNameFindsTheFileAndSaysSo() async throws {
        let fixture = try await Self.populated()
        _ = try await fixture.registry.updateEnterprise(
            EnterpriseUpdate(code: F.usccA, name: "贵州新名水泥集团有限公司", reason: "renamed"), by: F.regulator)
        let byOld = try await find(fixture, "黔南某某水泥", view: .public)
        #expect(byOld.first?.enterprise.uscc == F.usccA)
        #expect(byOld.first?.isFormerName == true)
        #expect(byOld.first?.matchedName == "贵州黔南某某水泥有限公司")
        #expect(byOld.first?.enterprise.name == "贵州新名水泥集团有限公司")
        let byNew = try await find(fixture, "新名水泥", view: .public)
        #expect(byNew.first?.isFormerName == false)
    }

    /// The writer adds a transaction's new names at its end (Schema/0008): each name once per
    /// file, however often the file returns to it, and every file of a batch at once.
    /// A firm called this now comes before one that was once, whichever file is older.
    @Test func aCurrentNameRanksBeforeAnEqualFormerOne() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(F.usccA, name: "Zeta Corp")
        _ = try await fixture.registry.updateEnterprise(
            EnterpriseUpdate(code: F.usccA, name: "Omega Holdings", reason: "renamed"), by: F.regulator)
        try await fixture.register(F.usccB, name: "Zeta Corp")
        let found = try await find(fixture, "Zeta Corp")
        #expect(found.map(\.enterprise.uscc) == [F.usccB, F.usccA])
        #expect(found.map(\.isFormerName) == [false, true])
        #expect(try await find(fixture, "Zeta Corp", limit: 1).map(\.enterprise.uscc) == [F.usccB])
    }

    @Test func eachNameIsIndexedOncePerFileWhenItsTransactionCommits() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(F.usccA, name: "贵州黔南某某水泥有限公司")
        for name in ["贵州新名水泥集团有限公司", "贵州黔南某某水泥有限公司", "贵州新名水泥集团有限公司"] {
            _ = try await fixture.registry.updateEnterprise(EnterpriseUpdate(code: F.usccA, name: name, reason: "renamed"), by: F.regulator)
        }
        let codes = try Self.syntheticCodes().prefix(25)
        let outcome = try await fixture.registry.registerEnterprises(
            codes.enumerated().map { RegistrationRequest(code: $1, name: "批量企业\($0)号有限公司") }, place: nil,
            naming: { "\($0)" }, by: F.regulator)
        #expect(outcome.imported == 25)
        // 27 names, each in the index once, under the revision that brought it to its file.
        #expect(try Self.indexedNames(fixture.rawDatabase()) == 27)
        #expect(try await find(fixture, "批量企业17号").first?.enterprise.uscc == codes[codes.startIndex + 17])
        #expect(try await find(fixture, "新名水泥").first?.enterprise.uscc == F.usccA)
    }

    @Test func aBankCannotFindAFileByANameOnlyAnUndisclosedListingWasDecidedUnder() async throws {
        let fixture = try await Self.populated()
        let listing = try await fixture.listed(F.usccA)
        _ = try await fixture.registry.updateEnterprise(
            EnterpriseUpdate(code: F.usccA, name: "贵州新名水泥集团有限公司", reason: "renamed"), by: F.regulator)
        // While the listing is disclosed, the bank finds the file by the name it was listed under.
        #expect(try await find(fixture, "黔南某某水泥", view: .public).first?.enterprise.uscc == F.usccA)
        _ = try await fixture.registry.removeListing(
            listingId: listing.id, reason: "revoked", removedOn: nil, authority: "AMR", documentNumber: "撤1",
            explanation: nil, by: F.regulator)
        let bank = try await find(fixture, "黔南某某水泥", view: .public)
        #expect(!bank.contains { $0.enterprise.uscc == F.usccA })
        // A regulator still finds it; the current name finds it for everyone.
        #expect(try await find(fixture, "黔南某某水泥", view: .full).first?.isFormerName == true)
        #expect(try await find(fixture, "新名水泥", view: .public).first?.enterprise.uscc == F.usccA)
    }

    /// Only a name that nothing disclosed still carries is hidden: a grade published under the
    /// old name (whose opening the bank can read) keeps it among the former names.
    @Test func aFormerNameADisclosedGradeCarriesStaysVisible() async throws {
        let fixture = try await Self.populated()
        _ = try await fixture.registry.publishGrades(codes: [F.usccA], by: F.regulator)
        let listing = try await fixture.listed(F.usccA)
        _ = try await fixture.registry.updateEnterprise(
            EnterpriseUpdate(code: F.usccA, name: "贵州新名水泥集团有限公司", reason: "renamed"), by: F.regulator)
        _ = try await fixture.registry.removeListing(
            listingId: listing.id, reason: "revoked", removedOn: nil, authority: "AMR", documentNumber: "撤2",
            explanation: nil, by: F.regulator)
        let file = try await fixture.registry.creditFile(code: F.usccA, view: .public)
        #expect(file.enterprise.formerNames == ["贵州黔南某某水泥有限公司"])
        #expect(try await find(fixture, "黔南某某水泥", view: .public).first?.enterprise.uscc == F.usccA)
    }

    @Test func eachMatchCarriesTheGradeInForce() async throws {
        let fixture = try await Self.populated()
        _ = try await fixture.registry.publishGrades(codes: [F.usccA], by: F.regulator)
        let match = try #require(try await find(fixture, "黔南某某水泥").first)
        #expect(match.grade != nil)
        #expect(try await find(fixture, "贵阳某某建材").first?.grade == nil)
    }

    /// Each match says which lists the file is on, in the caller's view: a listing ended by
    /// repair is not shown to a bank.
    @Test func eachMatchCarriesTheListsTheFileIsOn() async throws {
        let fixture = try await Self.populated()
        let listing = try await fixture.listed(F.usccA)
        for view in [RecordView.public, .full] {
            #expect(try await find(fixture, "黔南某某水泥", view: view).first?.listed == ["serious-dishonesty"], "\(view)")
        }
        #expect(try await find(fixture, "贵阳某某建材").first?.listed == [])
        fixture.clock.advance(days: 400)
        _ = try await fixture.repair(listing.id)
        #expect(try await find(fixture, "黔南某某水泥", view: .public).first?.listed == [])
    }

    @Test func shortQueriesMatchNamesStartingWithThem() async throws {
        let fixture = try await Self.populated()
        let matches = try await find(fixture, "贵阳")
        #expect(matches.map(\.enterprise.uscc) == [F.usccC])
        #expect(matches.first?.match.tier == .prefix)
        #expect(try await find(fixture, "Gu").map(\.enterprise.uscc) == [F.usccB])
        // Case does not matter, however the name is written.
        for query in ["gu", "GU", "gU", "g", "Ｇｕ"] {
            #expect(try await find(fixture, query).map(\.enterprise.uscc) == [F.usccB], "\(query)")
        }
        let acme = try #require(try Self.syntheticCodes().dropFirst(40).first)
        try await fixture.register(acme, name: "ACME WIDGETS")
        #expect(try await find(fixture, "ac").map(\.enterprise.uscc) == [acme])
    }

    /// A common word matches more names than one index probe brings back; the exact and
    /// prefix matches, registered last, still come first (the narrower probes find them).
    @Test func exactAndPrefixMatchesAreNotCrowdedOutByACommonWord() async throws {
        let fixture = try await RegistryFixture()
        let count = 320  // more than the 300 names one index probe brings back
        let codes = (1...count + 2).map { USCC.madeUp(serial: 7_000 + $0) }
        let crowd = codes.prefix(count).enumerated().map { RegistrationRequest(code: $1, name: "贵州\($0)号某某水泥有限公司") }
        _ = try await fixture.registry.registerEnterprises(crowd, place: nil, naming: { "\($0)" }, by: F.regulator)
        try await fixture.register(codes[count], name: "某某水泥制品厂")
        try await fixture.register(codes[count + 1], name: "某某水泥")
        let matches = try await find(fixture, "某某水泥", limit: 3)
        #expect(matches.map(\.enterprise.uscc) == [codes[count + 1], codes[count], codes[0]])
        #expect(matches.map(\.match.tier) == [.exact, .prefix, .substring])
        // Two characters are a prefix probe alone: the one name starting with them is found.
        #expect(try await find(fixture, "某某").map(\.enterprise.uscc) == [codes[count + 1], codes[count]])
    }

    /// README's example of a misspelling among crowded names: more than one probe's worth of
    /// older names hold both sides of the misspelling apart (`茶叶贸易{n}有限公司`); the one that
    /// holds them around one character is still found, for a character wrong, missing or extra
    /// (each gave nothing, or only the crowd).
    @Test func aMisspellingIsFoundWhenOlderNamesHoldItsSidesApart() async throws {
        let fixture = try await RegistryFixture()
        let firm = try await Self.crowd(fixture, 400, serial: 8_000, name: { "浙江\($0)号茶叶贸易\($0)有限公司" }, thenFirm: "云南普洱茶叶贸易有限公司")
        for query in ["茶叶贸龘有限公司", "茶叶贸有限公司", "茶叶贸易龘有限公司"] {
            let matches = try await find(fixture, query, limit: 5)
            #expect(matches.first?.enterprise.uscc == firm, "\(query): \(matches.map(\.matchedName))")
            #expect(matches.first?.match.tier == .fuzzy, "\(query)")
        }
        // A misspelling beside a space: the side that ends in it keeps it (folded again, it lost
        // the space, and a wrong or missing first letter of a word was not found).
        let latin = try await Self.crowd(fixture, 400, serial: 9_500, name: { "Acme \($0) Trading Co" }, thenFirm: "Acme Trading Co")
        for query in ["acme xrading co", "acme rading co", "acme tradinx co"] {
            let matches = try await find(fixture, query, limit: 5)
            #expect(matches.first?.enterprise.uscc == latin, "\(query): \(matches.map(\.matchedName))")
        }
    }

    /// A current name that matches as well as a former one is the one reported (the ranking
    /// rule: a current name before a former one), not the former that sorts first.
    @Test func theCurrentNameIsReportedWhenAFormerOneMatchesAsWell() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(F.usccA, name: "Zeta Sorting Test")
        _ = try await fixture.registry.updateEnterprise(EnterpriseUpdate(code: F.usccA, name: "zeta sorting test", reason: "case"), by: F.regulator)
        try await fixture.register(F.usccB, name: "排序测试集团")
        _ = try await fixture.registry.updateEnterprise(EnterpriseUpdate(code: F.usccB, name: "排序测试集团股份有限公司", reason: "renamed"), by: F.regulator)
        let latin = try await find(fixture, "ZETA SORTING TEST")
        #expect(latin.first?.matchedName == "zeta sorting test" && latin.first?.isFormerName == false, "\(latin.map(\.matchedName))")
        let chinese = try await find(fixture, "排序测试")
        #expect(chinese.first?.matchedName == "排序测试集团股份有限公司" && chinese.first?.isFormerName == false, "\(chinese.map(\.matchedName))")
    }

    /// A query of invisible format characters only is as empty as one of spaces (it found
    /// nothing instead of being refused).
    @Test func aQueryOfZeroWidthCharactersOnlyIsRefusedAsEmpty() async throws {
        let fixture = try await Self.populated()
        for query in ["\u{200B}", "\u{200B}\u{3000}\u{FEFF}", " "] {
            await #expect(throws: RegistryError.invalidArgument(parameter: "name", reason: "must not be empty"), "\(query.debugDescription)") {
                _ = try await find(fixture, query)
            }
        }
    }

    /// A look-up that came back full is kept and never changes: names registered after it are
    /// younger than every name it holds, so a fresh look-up gives the same (and the search
    /// still finds them, by their own probes). One that fell short is not kept.
    @Test func aFullLookUpIsKeptAndStaysTheAnswer() async throws {
        let fixture = try await RegistryFixture()
        let codes = (1...12).map { USCC.madeUp(serial: 9_000 + $0) }
        for (n, code) in codes.prefix(6).enumerated() { try await fixture.register(code, name: "河南第\(n)号建材有限公司") }
        let kept = CrowdedNameProbes()
        let look = { (text: String, limit: Int) in
            try await fixture.rawDatabase().read { db in
                (try RegistryReader(db).names(containing: text, limit: limit, crowded: kept),
                 try RegistryReader(db).names(containing: text, limit: limit))
            }
        }
        let (first, _) = try await look("建材有限公司", 4)
        #expect(first.count == 4 && kept.count == 1)
        let (short, _) = try await look("第1号建材", 4)
        #expect(short.count == 1 && kept.count == 1, "a short answer is not kept")
        for (n, code) in codes.suffix(6).enumerated() { try await fixture.register(code, name: "河南第\(n + 6)号建材有限公司") }
        let (again, fresh) = try await look("建材有限公司", 4)
        #expect(again == first && fresh == first, "the oldest four stay the oldest four")
        let (fewer, _) = try await look("建材有限公司", 2)
        #expect(fewer == Array(first.prefix(2)))
        // The registry's own kept answers do not hide a firm registered after them.
        _ = try await find(fixture, "河南第3号建材有限公司")
        try await fixture.register(USCC.madeUp(serial: 9_100), name: "河南第99号建材有限公司")
        #expect(try await find(fixture, "河南第99号建材有限公司").first?.match.tier == .exact)
    }

    /// A misspelt query whose correct piece most names hold (有限公司): that piece's probe brings
    /// back only the oldest 300 names, and the newer firm was missed. Every place the misspelling
    /// may be is then tried, both sides of it held by the name.
    @Test func aMisspellingIsFoundWhenItsCorrectPieceIsInMostNames() async throws {
        let fixture = try await RegistryFixture()
        let firm = try await Self.crowd(fixture, 310, serial: 8_000, name: { "北京第\($0)号食品有限公司" }, thenFirm: "云南普洱茶叶贸易有限公司")
        // One character wrong, one missing, one extra, each in the firm's own part of the name.
        for query in ["茶叶贸龘有限公司", "洱茶贸易有限公司", "普洱茶叶龘贸易有限公司"] {
            let matches = try await find(fixture, query)
            #expect(matches.map(\.enterprise.uscc) == [firm], "\(query)")
            #expect(matches.first?.match.tier == .fuzzy, "\(query)")
        }
    }

    @Test func badInputIsRefusedWithADeclaredError() async throws {
        let fixture = try await Self.populated()
        for (name, limit, parameter) in [("", nil, "name"), ("  \u{3000}", nil, "name"), ("水泥", 0, "limit"), ("水泥", 101, "limit")] {
            await #expect(throws: RegistryError.self) {
                do {
                    _ = try await fixture.registry.findEnterprises(name: name, limit: limit, view: .public)
                } catch RegistryError.invalidArgument(let refused, _) {
                    #expect(refused == parameter)
                    throw RegistryError.invalidArgument(parameter: refused, reason: "")
                }
            }
        }
        await #expect(throws: RegistryError.self) {
            _ = try await fixture.registry.findEnterprises(name: String(repeating: "名", count: 201), view: .public)
        }
    }

    @Test func theMigrationIndexesNamesOfFilesOpenedBeforeIt() async throws {
        // A database as it was before migration 5, holding a renamed file.
        let store = try await OlderStore(upTo: "0004_disclosure.sql") { db in
            try db.execute(
                sql: "INSERT INTO enterprise_code (code, enterprise_id, kind, audit_id) VALUES (?, 1, 'uscc', 1)", arguments: [F.usccA])
            for name in ["贵州黔南某某水泥有限公司", "贵州新名水泥集团有限公司", "贵州新名水泥集团有限公司"] {
                try db.execute(
                    sql: "INSERT INTO enterprise_revision (enterprise_id, name, status, recorded_at, audit_id) VALUES (1, ?, 'active', 0, 1)",
                    arguments: [name])
            }
        }
        defer { store.remove() }
        let path = store.path
        let registry = try await Registry(
            database: try RegistryDatabase(path: path), policy: PolicyFile.defaultPolicy(), clock: ManualClock(CivilDate(iso: "2026-03-02")!),
            logger: Logger(label: "qcredit.test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let former = try #require(try await registry.findEnterprises(name: "黔南某某", view: .full).first)
        #expect(former.enterprise.uscc == F.usccA)
        #expect(former.isFormerName)
        #expect(try await registry.findEnterprises(name: "新名水泥", view: .full).count == 1)
        // Each name once per file, whatever the number of revisions carrying it.
        #expect(try Self.indexedNames(DatabaseQueue(path: path)) == 2)
    }
}
