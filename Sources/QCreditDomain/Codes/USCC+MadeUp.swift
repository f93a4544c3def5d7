extension USCC {
    /// A valid USCC invented for test data and load tools: a market-regulation (9) enterprise (1) in
    /// Zhengzhou (410100) whose organization-code body is `serial` written as 8 digits, with both
    /// check characters computed by the standards' rules. Distinct serials give distinct codes.
    ///
    /// ```swift
    /// USCC.madeUp(serial: 10_000_000)   // "91410100100000008U"
    /// ```
    /// - Precondition: `0 <= serial < 100_000_000`.
    public static func madeUp(serial: Int) -> String {
        precondition((0..<100_000_000).contains(serial), "an organization-code body has 8 digits")
        // The same rules as the checkers, on values rather than Characters: tests and load
        // tools make up to millions of codes, and in a debug build each Character walk took
        // long enough that two tests making them held both of the machine's test threads.
        var values = [9, 1, 4, 1, 0, 1, 0, 0] + [Int](repeating: 0, count: 10)
        var rest = serial
        for position in stride(from: 15, through: 8, by: -1) {
            values[position] = rest % 10
            rest /= 10
        }
        var bodySum = 0
        for offset in 0..<8 { bodySum += values[8 + offset] * OrganizationCode.weights[offset] }
        // 11 − S mod 11: 10 is written X (29 in the USCC alphabet), 11 is written 0.
        let organizationCheck = 11 - bodySum % 11
        values[16] = organizationCheck == 10 ? 29 : organizationCheck % 11
        var sum = 0
        for position in 0..<17 { sum += values[position] * weights[position] }
        values[17] = (31 - sum % 31) % 31
        return String(values.map { alphabet[$0] })
    }
}
