/// What happened: the kinds of quality events a regulator records.
///
/// Spot checks (监督抽查) are recorded with their outcome, because a passed check counts for an
/// enterprise and a failed one against it.
public enum EventKind: String, Sendable, CaseIterable, Codable {
    /// 监督抽查 (passed)
    case spotCheckPassed = "spot-check-passed"
    /// 监督抽查 (failed)
    case spotCheckFailed = "spot-check-failed"
    /// 召回
    case recall
    /// 行政处罚
    case penalty
    /// 投诉 (12365 complaints line)
    case complaint
    /// 名牌 / 质量奖
    case award
    /// 认证
    case certification
}
