import ArgumentParser
import QCreditDomain

// The domain's closed vocabularies as option values: a typo is a usage error with the
// allowed values listed, before anything is sent, and the lists stay in step with the domain.
extension Dimension: ExpressibleByArgument {}
extension EventKind: ExpressibleByArgument {}
extension Severity: ExpressibleByArgument {}
extension ObjectionOutcome: ExpressibleByArgument {}
extension EnterpriseStatus: ExpressibleByArgument {}

/// Why a regulator removes a listing. (`expired` is not among them: the registry applies
/// expiry itself.)
enum RemovalChoice: String, CaseIterable, ExpressibleByArgument {
    case revoked
    case cured
}

/// The options naming the decision document, spelled as people say it (`--document`) and
/// as the interface does (`--document-number`).
extension NameSpecification {
    static let document: NameSpecification = [.customLong("document"), .customLong("document-number")]
    static let listType: NameSpecification = [.customLong("type"), .customLong("list-type")]
}
