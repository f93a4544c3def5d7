/// Non-negative decimal numbers as the C2SP formats write them: ASCII digits, no sign, no
/// leading zeros (except `0` itself), at most `Int64.max`.
enum DecimalText {
    static func parse(_ text: some Collection<UInt8>) -> Int64? {
        guard let first = text.first else { return nil }
        if first == UInt8(ascii: "0") && text.count > 1 { return nil }
        var value: Int64 = 0
        for byte in text {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1 && !overflow2 else { return nil }
            value = sum
        }
        return value
    }
}
