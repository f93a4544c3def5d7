import CanonicalJSON
import QCreditConfig
import QCreditDomain

/// The TOML files an operator edits: the daemon's config and the grading policy (TOMLKit, then
/// qcredit's own checks). Each input is read as both.
///
/// Checked: a refusal names the file; reading is deterministic; an accepted config has the
/// ranges its settings promise; an accepted policy grades every score onto its scale and
/// publishes as JSON that the parser reads back.
enum ConfigurationTarget {
    static let target = FuzzTarget(
        name: "config", summary: "TOML config file and grading policy file", body: run)

    static let fileName = "fuzz.toml"

    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        let text = input.repairedText
        try checkConfiguration(text)
        try checkPolicy(text)
    }

    private static func checkConfiguration(_ text: String) throws(InvariantViolation) {
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.parse(text, file: fileName)
        } catch {
            try require(error.message.hasPrefix(fileName), "a config error without the file name: \(error.message)")
            return
        }
        try require(
            (try? DaemonConfiguration.parse(text, file: fileName)) == configuration, "the config reads differently twice")
        try require(configuration.socketMode <= 0o777, "socket mode \(configuration.socketMode)")
        let limits = configuration.limits
        try require(
            limits.maxMessageBytes > 0 && limits.maxConnections > 0 && limits.idleTimeoutSeconds > 0
                && configuration.maintenanceIntervalSeconds > 0 && configuration.log.checkpointIntervalSeconds > 0
                && configuration.export.retain > 0,
            "a limit or interval that is not positive")
    }

    private static func checkPolicy(_ text: String) throws(InvariantViolation) {
        let policy: Policy
        do {
            policy = try PolicyFile.parse(text, file: fileName)
        } catch {
            try require(error.message.hasPrefix(fileName), "a policy error without the file name: \(error.message)")
            return
        }
        try require((try? PolicyFile.parse(text, file: fileName)) == policy, "the policy reads differently twice")
        for score in [Int.min, policy.minimumScore, policy.baseScore, policy.maximumScore, Int.max] {
            let grade = policy.grade(forScore: score)
            try require(policy.scale.contains(grade), "score \(score) grades as \(grade), not on the scale")
        }
        let published = policy.json.encoded()
        let reread = try? JSONValue.parse(published)
        try require(reread?.isSameJSON(as: policy.json) == true, "the policy's JSON does not read back")
    }
}
