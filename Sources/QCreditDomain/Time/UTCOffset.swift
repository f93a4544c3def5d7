/// A fixed offset from UTC in whole minutes, east positive. China has a single zone without
/// daylight saving time, so a fixed offset is all the registry needs; dates are Beijing
/// dates (``beijing``, `+08:00`) unless said otherwise.
public struct UTCOffset: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Seconds east of UTC (Beijing: 28 800). Always whole minutes, less than 24 hours.
    public let secondsEast: Int

    public static let utc = UTCOffset(validated: 0)
    /// China Standard Time, UTC+08:00, all year.
    public static let beijing = UTCOffset(validated: 8 * 3600)

    /// An offset of `secondsEast` seconds; `nil` unless it is a whole number of minutes
    /// strictly between −24 and +24 hours.
    public init?(secondsEast: Int) {
        guard secondsEast % 60 == 0, abs(secondsEast) < 86_400 else { return nil }
        self.secondsEast = secondsEast
    }

    private init(validated secondsEast: Int) {
        self.secondsEast = secondsEast
    }

    /// Parses `Z` (or `z`), `±hh:mm`, `±hhmm` or `±hh` (hours 00–23, minutes 00–59).
    /// `-00:00` is read as UTC.
    public init?(iso text: String) {
        let bytes = Array(text.utf8)
        if bytes == [UInt8(ascii: "Z")] || bytes == [UInt8(ascii: "z")] {
            self = .utc
            return
        }
        guard let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        let hours: Int?
        let minutes: Int?
        switch bytes.count {
        case 6 where bytes[3] == UInt8(ascii: ":"):
            hours = ISO8601Digits.value(bytes[1..<3])
            minutes = ISO8601Digits.value(bytes[4..<6])
        case 5:
            hours = ISO8601Digits.value(bytes[1..<3])
            minutes = ISO8601Digits.value(bytes[3..<5])
        case 3:
            hours = ISO8601Digits.value(bytes[1..<3])
            minutes = 0
        default:
            return nil
        }
        guard let hours, let minutes, hours <= 23, minutes <= 59 else { return nil }
        let magnitude = hours * 3600 + minutes * 60
        self.init(validated: sign == UInt8(ascii: "-") ? -magnitude : magnitude)
    }

    /// `Z` for UTC, otherwise `±hh:mm` (`+08:00`, `-05:30`): the RFC 3339 spelling.
    public var description: String {
        if secondsEast == 0 { return "Z" }
        let magnitude = abs(secondsEast)
        let sign = secondsEast < 0 ? "-" : "+"
        return sign + CivilDate.padded(magnitude / 3600, 2) + ":" + CivilDate.padded(magnitude % 3600 / 60, 2)
    }

    public static func < (lhs: UTCOffset, rhs: UTCOffset) -> Bool {
        lhs.secondsEast < rhs.secondsEast
    }
}
