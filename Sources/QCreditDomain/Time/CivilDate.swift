/// A date in the proleptic Gregorian calendar, without time or place: "the day of the
/// decision", "the planned end date". The registry's dates are Beijing dates
/// (``UTCOffset/beijing``); turn an ``Instant`` into one with ``Instant/civilDate(in:)``.
///
/// Arithmetic goes through a day count since 1970-01-01 using Howard Hinnant's
/// `days_from_civil` / `civil_from_days` algorithms, which are exact for any year.
///
/// ```swift
/// let decided = CivilDate(iso: "2024-02-29")!
/// decided.adding(CalendarPeriod(iso8601: "P1Y")!)   // 2025-02-28
/// decided.days(until: CivilDate(iso: "2024-03-31")!) // 31
/// ```
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    /// 1–12.
    public let month: Int
    /// 1 to the length of the month.
    public let day: Int

    /// A date from its parts, or `nil` if there is no such day (e.g. February 29 in a
    /// common year, month 13).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Self.daysInMonth(year: year, month: month) else {
            return nil
        }
        self.init(unchecked: year, month, day)
    }

    private init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` strictly: a 4-digit year (0000–9999), 2-digit month and day, and
    /// only real dates. Anything else (other lengths, signs, spaces, times) gives `nil`.
    public init?(iso text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = ISO8601Digits.value(bytes[0..<4]),
            let month = ISO8601Digits.value(bytes[5..<7]),
            let day = ISO8601Digits.value(bytes[8..<10])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The date `days` days after 1970-01-01 (negative: before).
    public init(daysSinceEpoch days: Int) {
        // Hinnant, civil_from_days: shift to an era starting on 0000-03-01 so the leap day
        // is the last day of the (March-based) year.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097                                               // [0, 146096]
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365  // [0, 399]
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // [0, 365]
        let shiftedMonth = (5 * dayOfYear + 2) / 153                                    // [0, 11], March = 0
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        self.init(unchecked: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 (which is 0); negative before it.
    public var daysSinceEpoch: Int {
        // Hinnant, days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400                                               // [0, 399]
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1  // [0, 365]
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear  // [0, 146096]
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `YYYY-MM-DD`. Years outside 0000–9999 print with more digits or a leading `-`, which
    /// ``init(iso:)`` does not read back.
    public var description: String {
        // The common case written as ten bytes at once: every stored event and grade writes a
        // date, and interpolating padded parts cost two percent of an import's CPU.
        if (0...9999).contains(year) {
            return String(unsafeUninitializedCapacity: 10) { buffer in
                let zero = UInt8(ascii: "0")
                buffer[0] = zero + UInt8(year / 1000)
                buffer[1] = zero + UInt8(year / 100 % 10)
                buffer[2] = zero + UInt8(year / 10 % 10)
                buffer[3] = zero + UInt8(year % 10)
                buffer[4] = UInt8(ascii: "-")
                buffer[5] = zero + UInt8(month / 10)
                buffer[6] = zero + UInt8(month % 10)
                buffer[7] = UInt8(ascii: "-")
                buffer[8] = zero + UInt8(day / 10)
                buffer[9] = zero + UInt8(day % 10)
                return 10
            }
        }
        let yearText = year < 0 ? "-" + Self.padded(-year, 4) : Self.padded(year, 4)
        return "\(yearText)-\(Self.padded(month, 2))-\(Self.padded(day, 2))"
    }

    /// The last date the registry writes: its dates are `YYYY-MM-DD` text, stored and compared
    /// as text, so a later one ("10001-01-01") would neither read back nor sort.
    public static let latest = CivilDate(unchecked: 9999, 12, 31)
    /// Before every day a registry deals in: a disclosure that ends on it was never disclosed,
    /// whatever day is asked about and whatever the clock says.
    public static let earliest = CivilDate(unchecked: 1, 1, 1)

    /// The date `days` days later (earlier when negative). Counting forward from a date up to
    /// ``latest`` stops there: a term or disclosure period counted from near the end of year
    /// 9999 (an override "until 9999-12-31") ends on 9999-12-31, which is never in practice.
    public func adding(days: Int) -> CivilDate {
        let (sum, overflow) = daysSinceEpoch.addingReportingOverflow(days)
        if days > 0, self <= Self.latest, overflow || sum > Self.latest.daysSinceEpoch { return Self.latest }
        return CivilDate(daysSinceEpoch: sum)
    }

    /// Adds years and months first, clamping the day to the end of the resulting month
    /// (2024-02-29 + P1Y = 2025-02-28, 2024-01-31 + P1M = 2024-02-29), then the days.
    ///
    /// This is how legal durations ("three years from the decision date") are counted, and
    /// why P1M1D is not always P1M + P1D from a different start.
    public func adding(_ period: CalendarPeriod) -> CivilDate {
        // Past 9999 the result is ``latest``, as for days (periods are not negative); so is a
        // period too long to count in months at all.
        let (periodMonths, tooLong) = period.years.multipliedReportingOverflow(by: 12)
        let (sum, overflow) = periodMonths.addingReportingOverflow(period.months)
        if tooLong || overflow || sum > 12 * 10_000 { return self <= Self.latest ? Self.latest : self }
        let monthIndex = year * 12 + (month - 1) + sum
        if self <= Self.latest, monthIndex > Self.latest.year * 12 + 11 { return Self.latest }
        let newYear = Self.floorDivide(monthIndex, 12)
        let newMonth = monthIndex - newYear * 12 + 1
        let newDay = Swift.min(day, Self.daysInMonth(year: newYear, month: newMonth))
        return CivilDate(unchecked: newYear, newMonth, newDay).adding(days: period.days)
    }

    /// Days from this date to `other`: positive when `other` is later, 0 for the same day.
    public func days(until other: CivilDate) -> Int {
        other.daysSinceEpoch - daysSinceEpoch
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Gregorian leap years: divisible by 4, except centuries not divisible by 400
    /// (1900 is not a leap year, 2000 is).
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in `month` (1–12) of `year`.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        precondition((1...12).contains(month), "month must be 1–12")
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func floorDivide(_ a: Int, _ b: Int) -> Int {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
