/// How much an event weighs: the severity of a failure or penalty, or the level of an award
/// (low: municipal, medium: provincial, high: national). The policy gives points per level.
public enum Severity: String, Sendable, CaseIterable, Codable {
    case low
    case medium
    case high
}
