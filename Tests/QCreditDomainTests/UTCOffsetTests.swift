import QCreditDomain
import Testing

@Suite struct UTCOffsetTests {
    @Test func beijingIsEightHoursEast() {
        #expect(UTCOffset.beijing.secondsEast == 28_800)
        #expect(UTCOffset.beijing.description == "+08:00")
        #expect(UTCOffset(iso: "+08:00") == .beijing)
    }

    @Test(arguments: [
        ("+08:00", 28_800, "+08:00"), ("-05:30", -19_800, "-05:30"), ("Z", 0, "Z"), ("z", 0, "Z"),
        ("+00:00", 0, "Z"), ("-00:00", 0, "Z"), ("+0545", 20_700, "+05:45"), ("+08", 28_800, "+08:00"),
        ("-12:00", -43_200, "-12:00"), ("+14:00", 50_400, "+14:00"), ("+23:59", 86_340, "+23:59"),
    ])
    func parsesAndPrints(_ text: String, _ seconds: Int, _ printed: String) throws {
        let offset = try #require(UTCOffset(iso: text))
        #expect(offset.secondsEast == seconds)
        #expect(offset.description == printed)
        #expect(UTCOffset(iso: offset.description) == offset)
    }

    @Test(arguments: ["", "08:00", "+8:00", "+24:00", "+08:60", "+08:0", "UTC", "GMT+8", "+08:00:00", "+０８:00", " +08:00"])
    func refusesMalformedOffsets(_ text: String) {
        #expect(UTCOffset(iso: text) == nil)
    }

    @Test func secondsMustBeWholeMinutesWithinADay() {
        #expect(UTCOffset(secondsEast: 28_800) == .beijing)
        #expect(UTCOffset(secondsEast: 30) == nil)
        #expect(UTCOffset(secondsEast: 86_400) == nil)
        #expect(UTCOffset(secondsEast: -86_400) == nil)
        #expect(UTCOffset(secondsEast: 0) == .utc)
        #expect(UTCOffset(iso: "-05:30")! < .utc)
    }
}
