@testable import QCreditConfig
import QCreditDomain
import Testing

@Suite struct PolicyFileTests {
    @Test func theShippedPolicyLoads() throws {
        let policy = try PolicyFile.defaultPolicy()
        #expect(policy.scale.grades == ["AAA", "AA", "A", "B", "C", "D"])
        #expect(policy.grade(forScore: 95) == "AAA")
        #expect(policy.grade(forScore: 59) == "D")
        #expect(policy.lists["serious-dishonesty"]?.maximumGrade == "D")
        #expect(policy.lists["serious-dishonesty"]?.term == CalendarPeriod(iso8601: "P3Y"))
        #expect(policy.lists["abnormal-operations"]?.maximumGrade == "C")
        #expect(policy.events.count == EventKind.allCases.count)
    }

    @Test func mistakesNameTheFileAndTheSetting() {
        let base = PolicyFile.defaultText
        let cases: [(String, String)] = [
            (base.replacingOccurrences(of: "term = \"P3Y\"", with: "term = \"P3X\""),
             "p.toml: lists.serious-dishonesty.term: 'P3X' is not an ISO 8601 period such as P3Y or P30D"),
            (base.replacingOccurrences(of: "baseScore = 80", with: "baseScore = \"80\""),
             "p.toml: baseScore: expected an integer, found a string"),
            ("bogus = 1\n" + base, "p.toml: bogus: unknown setting"),
            (base.replacingOccurrences(of: "maximumGrade = \"D\"", with: "maximumGrade = \"E\""),
             "p.toml: lists.serious-dishonesty.maximumGrade: E is not on the scale"),
            (base.replacingOccurrences(of: "AA = 90", with: "AA = 99"), "p.toml: thresholds: AA must need less than the grade above it"),
            // Published as canonical JSON, whose integers stop at 2^53 − 1: refused before the daemon starts.
            (base.replacingOccurrences(of: "baseScore = 80", with: "baseScore = 9223372036854775807"),
             "p.toml: baseScore: 9223372036854775807 is beyond ±(2^53−1)"),
            // Accepted before, then the grading overflowed (points × days left) and the daemon trapped.
            (base.replacingOccurrences(of: "points = { low = -5, medium = -15, high = -30 }",
                                       with: "points = { low = -9007199254740991, medium = -15, high = -30 }"),
             "p.toml: events.penalty.points.low: -9007199254740991 is beyond ±1000000000, the largest a policy may set"),
            // Accepted before, then counting the term from a decision date overflowed.
            (base.replacingOccurrences(of: "term = \"P3Y\"", with: "term = \"P999999999999999999Y\""),
             "p.toml: lists.serious-dishonesty.term: P999999999999999999Y is longer than 100 years"),
            (base.replacingOccurrences(of: "window = \"P3Y\"", with: "window = \"P101Y\"")
                .replacingOccurrences(of: "events = \"P3Y\"", with: "events = \"P101Y\""),
             "p.toml: disclosure.events: P101Y is longer than 100 years"),
            (base.replacingOccurrences(of: "window = \"P1Y\"", with: "window = \"P36525D\""),
             "p.toml: events.complaint.window P36525D outlasts disclosure.events P3Y"),
            (base.replacingOccurrences(of: "window = \"P1Y\"", with: "window = \"P36526D\""),
             "p.toml: events.complaint.window: P36526D is longer than 100 years"),
            (base.replacingOccurrences(of: "maximumGrade = \"A\"", with: "maximumGrade = \"Z\""),
             "p.toml: caps[1].maximumGrade: Z is not on the scale"),
            (base.replacingOccurrences(of: "scale = [\"AAA\", \"AA\", \"A\", \"B\", \"C\", \"D\"]",
                                       with: "scale = [\"AAA\", \"AA\", \"A\", \"B\", \"B\", \"D\"]"),
             "p.toml: scale repeats the grade B"),
            (base.replacingOccurrences(of: "\"C\", \"D\"]", with: "\"C\", \"D \"]"),
             "p.toml: scale: the grade \"D \" must be a name of one line, without white space around it"),
            (base.replacingOccurrences(of: "escalateTo = \"serious-dishonesty\"", with: "escalateTo = \"abnormal-operations\""),
             "p.toml: lists.abnormal-operations.escalateTo: escalation goes round (abnormal-operations → abnormal-operations)"),
            // Accepted before (audit): a kind left out counted for nothing, without a word.
            (base.replacingOccurrences(of: "[events.certification]\npoints = { low = 1, medium = 2, high = 3 }\nwindow = \"P3Y\"\ndecay = \"none\"\n", with: ""),
             "p.toml: events.certification: missing (every kind of event is graded: give it points, 0 for none)"),
            // Grades no score can reach, and periods that end where they start.
            (base.replacingOccurrences(of: "AAA = 95", with: "AAA = 101"),
             "p.toml: thresholds: AAA needs 101, above maximumScore 100: no score reaches it"),
            (base.replacingOccurrences(of: "C = 60", with: "C = 0"),
             "p.toml: thresholds: C needs 0, no more than minimumScore 0: no score falls below it to D"),
            (base.replacingOccurrences(of: "window = \"P1Y\"", with: "window = \"P0D\""),
             "p.toml: events.complaint.window: P0D is empty: the event would never count"),
            (base.replacingOccurrences(of: "within = \"P1Y\"", with: "within = \"P0D\""),
             "p.toml: caps[0].within: P0D is empty: the cap would never hold"),
            (base.replacingOccurrences(of: "term = \"P3Y\"", with: "term = \"P0D\""),
             "p.toml: lists.serious-dishonesty.term: P0D is empty: a listing would end the day it is published"),
            // Accepted before (audit): a decision due, or an escalation made, the day it starts.
            (base.replacingOccurrences(of: "repairDecisionWithin = \"P15D\"", with: "repairDecisionWithin = \"P0D\""),
             "p.toml: lists.serious-dishonesty.repairDecisionWithin: P0D is empty: every repair application would be overdue the day it is made"),
            (base.replacingOccurrences(of: "escalateAfter = \"P3Y\"", with: "escalateAfter = \"P0M\""),
             "p.toml: lists.abnormal-operations.escalateAfter: P0D is empty: every listing would be escalated the day it is published"),
            // Accepted before (audit): a list whose listings expire before they may be repaired,
            // and a score range upside down (it was reported as a base score out of range).
            (base.replacingOccurrences(of: "repairAfter = \"P1Y\"", with: "repairAfter = \"P3Y\""),
             "p.toml: lists.serious-dishonesty.repairAfter P3Y is not shorter than its term P3Y from every publication day: a listing would expire before it could be repaired"),
            // Shorter from most days, but not from all: published on 1 February, a P1M listing ends
            // on 1 March, before P30D makes it eligible (3 March); P365D reaches P1Y's end in a leap year.
            (base.replacingOccurrences(of: "term = \"P3Y\"", with: "term = \"P1M\"").replacingOccurrences(of: "repairAfter = \"P1Y\"", with: "repairAfter = \"P30D\""),
             "p.toml: lists.serious-dishonesty.repairAfter P30D is not shorter than its term P1M from every publication day"),
            (base.replacingOccurrences(of: "repairAfter = \"P1Y\"", with: "repairAfter = \"P1095D\""),
             "p.toml: lists.serious-dishonesty.repairAfter P1095D is not shorter than its term P3Y from every publication day"),
            (base.replacingOccurrences(of: "minimumScore = 0", with: "minimumScore = 200"),
             "p.toml: minimumScore 200 is above maximumScore 100"),
            (base.replacingOccurrences(of: "version = \"2026.1\"", with: "version = \"a\\u202Eb\""),
             "p.toml: version: \"a\\u{202E}b\" must be a name of one line, without white space around it or control, bidirectional formatting or invisible characters"),
            // Accepted before (audit): the marks and invisible characters, which made two versions look
            // the same; and a C1 control (NEL) shown raw in the message.
            (base.replacingOccurrences(of: "version = \"2026.1\"", with: "version = \"2026\\u200E.1\""),
             "p.toml: version: \"2026\\u{200E}.1\" must be a name of one line, without white space around it or control, bidirectional formatting or invisible characters"),
            (base.replacingOccurrences(of: "version = \"2026.1\"", with: "version = \"2026\\u061C.1\""),
             "p.toml: version: \"2026\\u{61C}.1\" must be"),
            (base.replacingOccurrences(of: "version = \"2026.1\"", with: "version = \"2026\\u200B.1\""),
             "p.toml: version: \"2026\\u{200B}.1\" must be"),
            (base.replacingOccurrences(of: "version = \"2026.1\"", with: "version = \"2026\\uFEFF.1\""),
             "p.toml: version: \"2026\\u{FEFF}.1\" must be"),
            (base.replacingOccurrences(of: "version = \"2026.1\"", with: "version = \"2026\\u0085.1\""),
             "p.toml: version: \"2026\\u{85}.1\" must be"),
            (base.replacingOccurrences(of: "\"AA\"", with: "\"A\\u200FA\""),
             "p.toml: scale: the grade \"A\\u{200F}A\" must be"),
            // Shown in replies and tables as they are.
            (base.replacingOccurrences(of: "version = \"2026.1\"", with: "version = \"2026\\n1\""),
             "p.toml: version: \"2026\\n1\" must be a name of one line, without white space around it"),
            (base.replacingOccurrences(of: "[lists.abnormal-operations]", with: "[lists.\"Abnormal Operations!\"]"),
             "p.toml: lists.Abnormal Operations!: a list type is lower-case letters and digits joined by hyphens"),
        ]
        for (text, expected) in cases {
            #expect(throws: ConfigurationError.self) { try PolicyFile.parse(text, file: "p.toml") }
            do {
                _ = try PolicyFile.parse(text, file: "p.toml")
            } catch {
                #expect(error.message.hasPrefix(expected), "\(error.message)")
            }
        }
    }

    /// Found by `Scripts/fuzz config` (Tests/FuzzCorpus/config/crash-cap-without-within): a cap
    /// without `within` crashed on a force unwrap.
    @Test func aCapWithoutWithinIsMissing() {
        let text = PolicyFile.defaultText.replacingOccurrences(of: "within = \"P1Y\"\n", with: "")
        #expect(throws: ConfigurationError("p.toml: caps[0].within: missing")) { try PolicyFile.parse(text, file: "p.toml") }
    }

    /// TOMLKit would read only up to a NUL (found by `Scripts/fuzz config`; its input is
    /// Tests/FuzzCorpus/config/crash-nul).
    @Test func aNULIsASyntaxError() {
        #expect(throws: ConfigurationError("p.toml:2:7: a NUL character")) {
            try PolicyFile.parse("version = \"1\"\nscale \u{0}= 1\n", file: "p.toml")
        }
        #expect(throws: ConfigurationError("c.toml:1:1: a NUL character")) { try DaemonConfiguration.parse("\u{0}", file: "c.toml") }
    }

    /// A NUL escaped in a string would cut a name short (toml++ ends the string there: a group
    /// `a\u0000b` looked up as `a`): refused with its line and column.
    @Test func aNULEscapedInAStringIsRefused() {
        let reason = TOMLAbortCheck.nulEscapeReason
        #expect(throws: ConfigurationError("c.toml:1:17: \(reason)")) {
            try DaemonConfiguration.parse("socketGroup = \"a\\u0000b\"\n", file: "c.toml")
        }
        #expect(throws: ConfigurationError("c.toml:2:16: \(reason)")) {
            try DaemonConfiguration.parse("[log]\nkeys = [\"/etc/k\\U00000000.pem\"]\n", file: "c.toml")
        }
        // An escaped backslash before u0000, a literal string and a comment are not NULs.
        #expect(TOMLAbortCheck.firstFinding(in: "a = \"\\\\u0000\"\nb = '\\u0000'\n# \\u0000\n") == nil)
    }

    @Test func aSyntaxErrorGivesLineAndColumn() {
        do {
            _ = try PolicyFile.parse("version = \n", file: "bad.toml")
            Issue.record("accepted bad TOML")
        } catch {
            #expect(error.message.hasPrefix("bad.toml:1:"))
        }
    }
}

/// Syntax errors that TOMLKit's toml++ asserts on (aborting the process) instead of refusing,
/// found by `Scripts/fuzz config` (Tests/FuzzCorpus/config/crash-*).
@Suite struct TOMLAbortCheckTests {
    @Test(arguments: [
        // crash-table-header
        ("[!oles]\n", 1, 2, TOMLAbortCheck.headerReason), ("a = 1\n  [[ %x]]\n", 2, 6, TOMLAbortCheck.headerReason),
        ("\u{FEFF}[\u{00e9}]\n", 1, 2, TOMLAbortCheck.headerReason), ("[\n", 1, 2, TOMLAbortCheck.headerReason),
        ("a = [\n  1,\n]\n# [ok]\n[*]\n", 5, 2, TOMLAbortCheck.headerReason),
        // crash-array-brace
        ("scale = [\"A\",}\"B\"]\n", 1, 14, TOMLAbortCheck.arrayReason), ("a = [ }]\n", 1, 7, TOMLAbortCheck.arrayReason),
        ("a = [1, # one\n  }]\n", 2, 3, TOMLAbortCheck.arrayReason),
        // toml++ takes U+0085, U+2028 and U+2029 for value terminators but not for line breaks (crash-array-next-line).
        ("6seScore=[[[\u{85}n", 1, 13, TOMLAbortCheck.arraySeparatorReason), ("a = [1,\u{2028}2]\n", 1, 8, TOMLAbortCheck.arraySeparatorReason),
        ("a = [ \u{2029}]\n", 1, 7, TOMLAbortCheck.arraySeparatorReason),
        // crash-date-space-digit
        ("d = 2024-01-01 9\n", 1, 5, TOMLAbortCheck.dateReason), ("s =6838-w'-ws 9#x\n", 1, 4, TOMLAbortCheck.dateReason),
        // A tenth character of several bytes (fuzzing: crash-date-multibyte-tenth, a stray 0x83 read as U+FFFD).
        ("s =6838-w'-w\u{FFFD} 9#s", 1, 4, TOMLAbortCheck.dateReason),
        // Unicode white space ends a value for toml++ too (crash-date-unicode-terminator).
        ("s =6838-w'-ws 9\u{FEFF}.l\n", 1, 4, TOMLAbortCheck.dateReason), ("d =\u{3000}2024-01-01 9\u{3000}\n", 1, 5, TOMLAbortCheck.dateReason), ("d = 2024-01-0\u{4E00} 9\n", 1, 5, TOMLAbortCheck.dateReason),
        ("a = [1, 1_111-11-11 9]\n", 1, 9, TOMLAbortCheck.dateReason),
        // crash-date-t-without-time
        ("s4=6838-09-04t:=ot-", 1, 4, TOMLAbortCheck.dateTimeReason), ("d = 2024-01-01T\n", 1, 5, TOMLAbortCheck.dateTimeReason),
        ("a = [2024-01-01Tx]\n", 1, 6, TOMLAbortCheck.dateTimeReason),
    ])
    func isASyntaxErrorWithLineAndColumn(text: String, line: Int, column: Int, reason: String) {
        let expected = ConfigurationError("p.toml:\(line):\(column): \(reason)")
        #expect(throws: expected) { try PolicyFile.parse(text, file: "p.toml") }
        #expect(throws: expected) { try DaemonConfiguration.parse(text, file: "p.toml") }
    }

    @Test(arguments: [
        "[a]\n", "[ \"quoted\" ]\n", "[[caps]]\nkind = \"x\"\n", "a = [\n  [1, 2],\n  [ {x = 1} ],\n  [ +1 ],\n]\n",
        "s = \"\"\"\n[!not a header]\n\"\"\"\n", "t = '''\n[*]'''\n", "[a] # [!comment]\n", "a = { b = [1, 2], c = {} }\n",
        "a = [\"}\", '}', \"\"\"\n}\"\"\"]\n",
        "d = 2024-01-01 09:30:00\n", "d = 2024-01-01\n", "d = 2024-01-01T09:30:00Z\n", "d = 2024-01-01t09:30:00\n",
        "d = 2024-01-01 # note\n", "a = [\"\u{2028}\"] # \u{85}\n", "s = \"2024-01-01 9\"\n", "# 2024-01-01 9\n",
    ])
    func wellFormedFilesPass(text: String) {
        #expect(TOMLAbortCheck.firstFinding(in: text) == nil)
    }
}
