import QCreditDomain
import Testing

@Suite struct InstantTests {
    @Test func formatsUTCWithSecondsPrecision() {
        let instant = Instant(secondsSinceEpoch: 1_795_771_871)  // Python calendar.timegm
        #expect(instant.rfc3339 == "2026-11-27T09:31:11Z")
        #expect(instant.description == "2026-11-27T09:31:11Z")
        #expect(instant.rfc3339(in: .beijing) == "2026-11-27T17:31:11+08:00")
        #expect(instant.rfc3339(in: UTCOffset(iso: "-05:30")!) == "2026-11-27T04:01:11-05:30")
        #expect(Instant(secondsSinceEpoch: 0).rfc3339 == "1970-01-01T00:00:00Z")
        #expect(Instant(secondsSinceEpoch: -1).rfc3339 == "1969-12-31T23:59:59Z")
    }

    @Test(arguments: [
        "2026-11-27T09:31:11Z",
        "2026-11-27t09:31:11z",
        "2026-11-27T17:31:11+08:00",
        "2026-11-27T04:01:11-05:30",
        "2026-11-27T09:31:11.999999Z",      // fraction truncated
        "2026-11-27T09:31:11.0+00:00",
        "2026-11-27T09:31:11-00:00",
        "2026-11-28T00:31:11+15:00",
    ])
    func parsesTheSameInstantWrittenManyWays(_ text: String) {
        #expect(Instant(rfc3339: text) == Instant(secondsSinceEpoch: 1_795_771_871))
    }

    @Test func offsetsThatCrossMidnight() throws {
        // 01:30 on the 28th in Beijing is still the 27th in UTC.
        let beijingEarly = try #require(Instant(rfc3339: "2026-11-28T01:30:00+08:00"))
        #expect(beijingEarly.rfc3339 == "2026-11-27T17:30:00Z")
        #expect(beijingEarly.civilDate(in: .beijing).description == "2026-11-28")
        #expect(beijingEarly.civilDate().description == "2026-11-28")  // Beijing by default
        #expect(beijingEarly.civilDate(in: .utc).description == "2026-11-27")

        // 22:00 on the 31st at −05:30 is already the next year in UTC and in Beijing.
        let westLate = try #require(Instant(rfc3339: "2025-12-31T22:00:00-05:30"))
        #expect(westLate.rfc3339 == "2026-01-01T03:30:00Z")
        #expect(westLate.civilDate(in: UTCOffset(iso: "-05:30")!).description == "2025-12-31")
        #expect(westLate.civilDate(in: .utc).description == "2026-01-01")
        #expect(westLate.civilDate(in: .beijing).description == "2026-01-01")

        // Leap day across an offset.
        let leap = try #require(Instant(rfc3339: "2024-02-29T23:59:59-01:00"))
        #expect(leap.rfc3339 == "2024-03-01T00:59:59Z")
    }

    @Test func aLeapSecondIsTheSecondBeforeItOnItsOwnDay() {
        #expect(Instant(rfc3339: "2016-12-31T23:59:60Z")?.rfc3339 == "2016-12-31T23:59:59Z")
        #expect(Instant(rfc3339: "2017-01-01T07:59:60+08:00")?.rfc3339 == "2016-12-31T23:59:59Z")
        #expect(Instant(rfc3339: "2016-12-31T23:59:60.5Z")?.civilDate(in: .utc).description == "2016-12-31")
    }

    @Test func fractionsAreTruncatedTowardsTheEarlierSecond() {
        #expect(Instant(rfc3339: "1970-01-01T00:00:00.999Z")?.secondsSinceEpoch == 0)
        #expect(Instant(rfc3339: "1969-12-31T23:59:59.5Z")?.secondsSinceEpoch == -1)
    }

    @Test(arguments: [
        "", "2026-11-27", "2026-11-27T09:31:11", "2026-11-27 09:31:11Z", "2026-11-27T09:31Z",
        "2026-11-27T24:00:00Z", "2026-11-27T09:60:00Z", "2026-11-27T09:31:60Z", "2026-02-30T00:00:00Z",
        "2026-11-27T09:31:11+0800", "2026-11-27T09:31:11+08", "2026-11-27T09:31:11+24:00",
        "2026-11-27T09:31:11+08:60", "2026-11-27T09:31:11.Z", "2026-11-27T09:31:11ZZ",
        "2026-11-27T09:31:11Z ", "26-11-27T09:31:11Z", "2026-11-27T9:31:11Z", "2026-11-27T09:31:11.5",
    ])
    func refusesMalformedTimestamps(_ text: String) {
        #expect(Instant(rfc3339: text) == nil)
    }

    /// A time whose moment falls outside years 0000–9999 in UTC could not be written back as
    /// RFC 3339 (a GetGradeAt reply's `at` read "-0001-12-31T10:00:00Z"): refused. The ends of
    /// that range are read and written back as they are.
    @Test func aMomentOutsideFourDigitYearsInUTCIsRefused() throws {
        #expect(Instant(rfc3339: "0000-01-01T00:00:00+14:00") == nil && Instant(rfc3339: "0000-01-01T13:59:59+14:00") == nil)
        #expect(Instant(rfc3339: "9999-12-31T23:59:59-00:01") == nil)
        for text in ["0000-01-01T00:00:00Z", "0000-01-01T14:00:00+14:00", "9999-12-31T23:59:59Z"] {
            let moment = try #require(Instant(rfc3339: text), "\(text)")
            #expect(Instant(rfc3339: moment.rfc3339) == moment && moment.rfc3339.count == 20, "\(moment.rfc3339)")
        }
    }

    @Test func startOfDayInBeijing() throws {
        let date = try #require(CivilDate(iso: "2026-11-27"))
        let start = Instant.startOfDay(date, in: .beijing)
        #expect(start.rfc3339 == "2026-11-26T16:00:00Z")
        #expect(start.rfc3339(in: .beijing) == "2026-11-27T00:00:00+08:00")
        #expect(Instant.startOfDay(date) == start)  // Beijing by default
        #expect(start.civilDate(in: .beijing) == date)
        #expect(start.adding(seconds: -1).civilDate(in: .beijing) == date.adding(days: -1))
        #expect(Instant.startOfDay(date, in: .utc).rfc3339 == "2026-11-27T00:00:00Z")
    }

    @Test func startOfDayAndCivilDateAgreeEverywhere() {
        let offsets = ["-12:00", "-05:30", "Z", "+05:45", "+08:00", "+14:00"].compactMap { UTCOffset(iso: $0) }
        var mismatches = 0
        for offset in offsets {
            for days in stride(from: -800_000, through: 800_000, by: 997) {
                let date = CivilDate(daysSinceEpoch: days)
                let start = Instant.startOfDay(date, in: offset)
                if start.civilDate(in: offset) != date { mismatches += 1 }
                if start.adding(seconds: -1).civilDate(in: offset) != date.adding(days: -1) { mismatches += 1 }
                if start.adding(seconds: 86_399).civilDate(in: offset) != date { mismatches += 1 }
                if days >= -719_468, days <= 2_932_896, Instant(rfc3339: start.rfc3339(in: offset)) != start {
                    mismatches += 1
                }
            }
        }
        #expect(mismatches == 0)
    }

    @Test func extremeInstantsDoNotTrap() {
        // Local time past Int64.max seconds still has a date: the offset is applied after
        // splitting into days, so nothing overflows.
        // (Int64.max is 15:30:07 UTC, so 01:30:07 the next day at +14:00.)
        #expect(Instant(secondsSinceEpoch: .max).civilDate(in: UTCOffset(iso: "+14:00")!).daysSinceEpoch == Int(Int64.max / 86_400) + 1)
        #expect(Instant(secondsSinceEpoch: .min).civilDate(in: UTCOffset(iso: "-12:00")!).daysSinceEpoch == Int(Int64.min / 86_400) - 2)
        #expect(Instant(secondsSinceEpoch: .max).civilDate(in: .utc).daysSinceEpoch == Int(Int64.max / 86_400))
        #expect(Instant(secondsSinceEpoch: .min).civilDate(in: .utc).daysSinceEpoch == Int(Int64.min / 86_400) - 1)
    }

    @Test func ordering() throws {
        let a = try #require(Instant(rfc3339: "2026-11-27T17:00:00+08:00"))
        let b = try #require(Instant(rfc3339: "2026-11-27T10:00:00Z"))
        #expect(a < b)
        #expect([b, a].sorted() == [a, b])
        #expect(a.adding(seconds: 3600) == b)
    }
}
