/// A calendar duration in years, months and days: how long a listing lasts, how long before
/// a repair may be asked for. Written as the date part of an ISO 8601 duration (`P3Y`,
/// `P1Y6M`, `P30D`, `P2Y3M10D`).
///
/// Periods are not normalised: `P12M` and `P1Y` are different values (though adding either to
/// a date gives the same result). Apply one with ``CivilDate/adding(_:)``.
public struct CalendarPeriod: Hashable, Sendable, CustomStringConvertible {
    public let years: Int
    public let months: Int
    public let days: Int

    /// The empty period, `P0D`.
    public static let zero = CalendarPeriod()

    /// A period from non-negative parts (a negative part is a programming error and traps).
    public init(years: Int = 0, months: Int = 0, days: Int = 0) {
        precondition(years >= 0 && months >= 0 && days >= 0, "a calendar period is non-negative")
        self.years = years
        self.months = months
        self.days = days
    }

    /// Parses `P[nY][nM][nD]`: at least one part, in that order, each at most once, with
    /// non-negative integers. Time parts (`PT…`), weeks, fractions, signs and lower case are
    /// refused (`nil`).
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 3, bytes[0] == UInt8(ascii: "P") else { return nil }
        var parts: [Int?] = [nil, nil, nil]  // Y, M, D
        var lastDesignator = -1
        var index = 1
        while index < bytes.count {
            let start = index
            while index < bytes.count, ISO8601Digits.isDigit(bytes[index]) { index += 1 }
            guard index < bytes.count, let number = ISO8601Digits.value(bytes[start..<index]) else {
                return nil
            }
            let designator: Int
            switch bytes[index] {
            case UInt8(ascii: "Y"): designator = 0
            case UInt8(ascii: "M"): designator = 1
            case UInt8(ascii: "D"): designator = 2
            default: return nil
            }
            guard designator > lastDesignator else { return nil }
            parts[designator] = number
            lastDesignator = designator
            index += 1
        }
        self.init(years: parts[0] ?? 0, months: parts[1] ?? 0, days: parts[2] ?? 0)
    }

    /// The ISO 8601 form with zero parts left out (`P1Y6M`); `P0D` for the empty period.
    public var description: String {
        var text = "P"
        if years != 0 { text += "\(years)Y" }
        if months != 0 { text += "\(months)M" }
        if days != 0 || text == "P" { text += "\(days)D" }
        return text
    }
}
