import QCreditDomain

extension EnterpriseCodeEntry {
    /// The organization code inside this USCC (positions 9 to 17), with the USCC's check
    /// warning; nil for an organization code.
    var embeddedOrgCode: EnterpriseCodeEntry? {
        guard kind == .uscc else { return nil }
        return EnterpriseCodeEntry(code: USCC.embeddedOrgCode(of: code), kind: .orgCode, checkWarning: checkWarning)
    }

    /// A file's codes as the index by file lists them (Schema/0017), USCC first, completed with
    /// the organization code inside the USCC when that row is left out of the index.
    static func completed(_ indexed: [EnterpriseCodeEntry]) -> [EnterpriseCodeEntry] {
        guard !indexed.contains(where: { $0.kind == .orgCode }), let uscc = indexed.first(where: { $0.kind == .uscc }),
            let derived = uscc.embeddedOrgCode
        else { return indexed }
        return indexed + [derived]
    }
}
