/// The problems one check found in a long file: the first few in full, then how many more, so a
/// report stays short (and memory flat) whatever the number of bad lines.
struct ProblemList {
    static let shownLimit = 5

    private(set) var shown: [String] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func add(_ problem: String) {
        count += 1
        if shown.count < Self.shownLimit { shown.append(problem) }
    }

    var summary: String {
        shown.joined(separator: "; ") + (count > shown.count ? "; and \(count - shown.count) more" : "")
    }
}
