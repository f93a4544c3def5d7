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
        var body = String(serial)
        body = String(repeating: "0", count: 8 - body.count) + body
        let first17 = "91410100" + body + String(OrganizationCode.checkCharacter(forBody: body)!)
        return first17 + String(checkCharacter(forFirst17: first17)!)
    }
}
