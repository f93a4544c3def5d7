/// A point in time: whole seconds since 1970-01-01T00:00:00Z (Unix time, no leap seconds).
///
/// This module reads no clock: the current instant is always passed in by the caller.
/// Convert to a calendar date with ``civilDate(in:)`` (Beijing by default) and back with
/// ``startOfDay(_:in:)``.
///
/// ```swift
/// let t = Instant(rfc3339: "2026-11-27T01:31:11.250+08:00")!
/// t.rfc3339              // "2026-11-26T17:31:11Z"
/// t.civilDate()          // 2026-11-27 (in Beijing)
/// t.civilDate(in: .utc)  // 2026-11-26
/// ```
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let secondsSinceEpoch: Int64

    public init(secondsSinceEpoch: Int64) {
        self.secondsSinceEpoch = secondsSinceEpoch
    }

    /// Later than every instant: a bound for "the newest, whatever the clock says" (a query's
    /// limit only; it has no calendar date).
    public static let endOfTime = Instant(secondsSinceEpoch: .max)

    /// Parses an RFC 3339 timestamp: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)`.
    ///
    /// `T` and `Z` may be lower case (RFC 3339 §5.6). A fraction of a second is dropped
    /// (truncated towards the earlier second). Dates must be real, hours 00–23, minutes and
    /// seconds 00–59. A leap second (`:60`, which RFC 3339 allows after minute 59) is read as
    /// the second before it: Unix time has no place of its own for it, and that keeps it on its day.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        // 20 = shortest form, "YYYY-MM-DDTHH:MM:SSZ".
        guard b.count >= 20,
            b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let date = CivilDate(iso: String(decoding: b[0..<10], as: UTF8.self)),
            let hour = ISO8601Digits.value(b[11..<13]), hour <= 23,
            let minute = ISO8601Digits.value(b[14..<16]), minute <= 59,
            let written = ISO8601Digits.value(b[17..<19]), written <= 59 || (written == 60 && minute == 59)
        else { return nil }
        let second = min(written, 59)
        var index = 19
        if b[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < b.count, ISO8601Digits.isDigit(b[index]) { index += 1 }
            guard index > fractionStart else { return nil }
        }
        // The offset must be exactly "Z"/"z" or "±hh:mm" (not the other ISO 8601 spellings).
        let offsetBytes = b[index...]
        guard offsetBytes.count == 1 || (offsetBytes.count == 6 && offsetBytes[index + 3] == UInt8(ascii: ":")),
            let offset = UTCOffset(iso: String(decoding: offsetBytes, as: UTF8.self))
        else { return nil }
        let localSeconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        // In UTC the moment must still have a four-digit year, so that it is written back as
        // RFC 3339 (0000-01-01T00:00:00+14:00 would be year -1 in UTC).
        guard Self.fourDigitYears.contains(localSeconds - Int64(offset.secondsEast)) else { return nil }
        self.init(secondsSinceEpoch: localSeconds - Int64(offset.secondsEast))
    }

    /// The seconds of years 0000 to 9999 in UTC: what RFC 3339 can write.
    private static let fourDigitYears: ClosedRange<Int64> =
        Int64(CivilDate(year: 0, month: 1, day: 1)!.daysSinceEpoch) * 86_400
        ... Int64(CivilDate(year: 9999, month: 12, day: 31)!.daysSinceEpoch) * 86_400 + 86_399

    /// RFC 3339 in UTC with seconds precision: `2026-11-27T09:31:11Z`.
    public var rfc3339: String { rfc3339(in: .utc) }

    /// RFC 3339 as local time at `offset`: `2026-11-27T17:31:11+08:00`.
    public func rfc3339(in offset: UTCOffset) -> String {
        let (days, secondOfDay) = Self.localDayAndSecond(secondsSinceEpoch, offset)
        // Written as bytes: every grade record carries its moment, and padding and joining
        // strings were a third of the time spent splicing a grade record.
        let date = CivilDate(daysSinceEpoch: days).description
        let zone = offset.description
        var bytes: [UInt8] = []
        bytes.reserveCapacity(date.utf8.count + 9 + zone.utf8.count)
        func append(_ separator: Unicode.Scalar, _ value: Int) {
            bytes.append(UInt8(ascii: separator))
            bytes.append(UInt8(ascii: "0") + UInt8(value / 10))
            bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
        }
        bytes.append(contentsOf: date.utf8)
        append("T", secondOfDay / 3600)
        append(":", secondOfDay % 3600 / 60)
        append(":", secondOfDay % 60)
        bytes.append(contentsOf: zone.utf8)
        return String(decoding: bytes, as: UTF8.self)
    }

    public var description: String { rfc3339 }

    /// The calendar date at this instant for someone at `offset` (Beijing by default).
    public func civilDate(in offset: UTCOffset = .beijing) -> CivilDate {
        CivilDate(daysSinceEpoch: Self.localDayAndSecond(secondsSinceEpoch, offset).days)
    }

    /// The first second of `date` at `offset` (Beijing by default): midnight local time.
    public static func startOfDay(_ date: CivilDate, in offset: UTCOffset = .beijing) -> Instant {
        Instant(secondsSinceEpoch: Int64(date.daysSinceEpoch) * 86_400 - Int64(offset.secondsEast))
    }

    public func adding(seconds: Int64) -> Instant {
        Instant(secondsSinceEpoch: secondsSinceEpoch + seconds)
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.secondsSinceEpoch < rhs.secondsSinceEpoch
    }

    // Day number and second of the day in local time. Splits before adding the offset so
    // that no intermediate value can overflow, even at the ends of Int64.
    private static func localDayAndSecond(_ seconds: Int64, _ offset: UTCOffset) -> (days: Int, secondOfDay: Int) {
        var (utcDays, utcSecond) = Int(seconds).quotientAndRemainder(dividingBy: 86_400)
        if utcSecond < 0 {
            utcDays -= 1
            utcSecond += 86_400
        }
        let local = utcSecond + offset.secondsEast  // (-86400, 172800)
        let carry = CivilDate.floorDivide(local, 86_400)
        return (utcDays + carry, local - carry * 86_400)
    }
}
