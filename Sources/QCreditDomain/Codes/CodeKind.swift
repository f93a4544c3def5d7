/// The two code systems an enterprise can be identified by.
///
/// The raw values are the names used in code and on the wire (`uscc`, `orgCode`).
public enum CodeKind: String, Sendable, CaseIterable {
    /// 统一社会信用代码, Unified Social Credit Code (GB 32100-2015): 18 characters.
    case uscc
    /// 组织机构代码, organization code (GB 11714-1997): 8 body characters and a check character.
    case orgCode
}
