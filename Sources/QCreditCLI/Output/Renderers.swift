import CanonicalJSON

/// Human-readable views of the reply types of `org.qcredit.query` and `org.qcredit.admin`.
///
/// Renderers read the replies as JSON rather than decoding them into structs: `--json` passes
/// replies through untouched, and a field the daemon adds later must not break the client.
/// Each returns the lines to print.
enum Render {
    /// What an absent value looks like in a table cell.
    static let none = "-"

    /// A count of log records: "1 record", "12 records".
    static func records(_ count: Int64) -> String { count == 1 ? "1 record" : "\(count) records" }

    // MARK: Enterprises

    static func enterprise(_ enterprise: JSONValue?, into block: inout KeyValueBlock) {
        block.add("Enterprise", enterprise?["name"]?.stringValue)
        block.add("USCC", enterprise?["uscc"]?.stringValue)
        block.add("Org code", enterprise?["orgCode"]?.stringValue.map(formattedOrgCode))
        block.add("Former names", nonEmpty(strings(enterprise?["formerNames"]))?.joined(separator: "; "))
        block.add("Division", enterprise?["divisionCode"]?.stringValue)
        block.add("Entity type", enterprise?["entityType"]?.stringValue)
        block.add("Status", enterprise?["status"]?.stringValue)
        block.add("Flags", nonEmpty(strings(enterprise?["flags"]))?.joined(separator: ", "))
    }

    static func enterprise(_ enterprise: JSONValue?) -> [String] {
        var block = KeyValueBlock()
        self.enterprise(enterprise, into: &block)
        return block.lines()
    }

    /// An organization code as usually written, `XXXXXXXX-X`.
    static func formattedOrgCode(_ code: String) -> String {
        code.count == 9 && !code.contains("-") ? code.prefix(8) + "-" + code.suffix(1) : code
    }

    // MARK: Grades

    /// A `Grade`: the grade in force, what it rests on, the score's arithmetic and the caps.
    static func grade(_ grade: JSONValue?) -> [String] {
        var block = KeyValueBlock()
        enterprise(grade?["enterprise"], into: &block)
        let basis = grade?["basis"]?.stringValue
        block.add("Grade", grade?["grade"]?.stringValue ?? "\(none) (never graded)")
        block.add("Basis", basis)
        block.add("At", grade?["at"]?.stringValue)
        let published = grade?["publishedGrade"]?.stringValue
        if published != grade?["grade"]?.stringValue || basis == "listing" {
            block.add("Published grade", published.map { "\($0) (before listing caps)" })
        }
        block.add("Score", integer(grade?["score"]))
        block.add("Policy", grade?["policyVersion"]?.stringValue)
        block.add("Effective", grade?["effectiveAt"]?.stringValue)
        block.add("Override reason", grade?["overrideReason"]?.stringValue)
        block.add("Document", grade?["documentNumber"]?.stringValue)
        block.add("Until", grade?["until"]?.stringValue)
        block.add("Listed", nonEmpty(strings(grade?["listed"]))?.joined(separator: ", ") ?? "no")
        block.add("Log index", integer(grade?["logIndex"]))
        var lines = block.lines()

        let contributions = grade?["contributions"]?.arrayValue ?? []
        if !contributions.isEmpty {
            let total = contributions.reduce(Int64(0)) { $0 + ($1["value"]?.intValue ?? 0) }
            lines.append("")
            lines.append("Contributions (total \(signed(total)))")
            var table = Table(["EVENT", "OCCURRED", "DIMENSION", "KIND", "SEVERITY", "POINTS x DAYS LEFT/WINDOW = VALUE"])
            for contribution in contributions {
                table.append([
                    integer(contribution["eventId"]) ?? none, text(contribution["occurredOn"]),
                    text(contribution["dimension"]), text(contribution["kind"]), text(contribution["severity"]),
                    arithmetic(of: contribution),
                ])
            }
            lines += table.lines(indent: 2)
        }

        let eventCaps = grade?["eventCaps"]?.arrayValue ?? []
        if !eventCaps.isEmpty {
            lines.append("")
            lines.append("Event caps (the score alone gives \(text(grade?["scoreGrade"])))")
            var table = Table(["EVENT", "KIND", "MAXIMUM"])
            for cap in eventCaps { table.append([integer(cap["eventId"]) ?? none, text(cap["kind"]), text(cap["maximumGrade"])]) }
            lines += table.lines(indent: 2)
        }

        let caps = grade?["caps"]?.arrayValue ?? []
        if !caps.isEmpty {
            lines.append("")
            lines.append("Caps")
            var table = Table(["LISTING", "LIST", "MAXIMUM", "BINDING", "LOG INDEX"])
            for cap in caps {
                table.append([
                    integer(cap["listingId"]) ?? none, text(cap["listType"]), text(cap["maximumGrade"]),
                    cap["binding"]?.boolValue == true ? "yes" : "no", integer(cap["logIndex"]) ?? none,
                ])
            }
            lines += table.lines(indent: 2)
        }
        return lines
    }

    /// `-10 x 1090/1096 days = -10` under linear decay, `+3 (no decay)` otherwise.
    ///
    /// The reply does not say which decay applied; a value that is the whole points although
    /// the linear formula would give something else can only be a contribution without decay.
    static func arithmetic(of contribution: JSONValue) -> String {
        guard let points = contribution["points"]?.intValue, let value = contribution["value"]?.intValue,
            let remaining = contribution["remainingDays"]?.intValue, let window = contribution["windowDays"]?.intValue,
            window > 0
        else { return integer(contribution["value"]) ?? none }
        let decayed = roundedQuotient(points * remaining, window)
        if value == points && decayed != value {
            return "\(signed(points)) (no decay)"
        }
        return "\(signed(points)) x \(remaining)/\(window) days = \(signed(value))"
    }

    /// Rounds half away from zero, as the registry does.
    private static func roundedQuotient(_ numerator: Int64, _ denominator: Int64) -> Int64 {
        let magnitude = (2 * abs(numerator) + denominator) / (2 * denominator)
        return numerator < 0 ? -magnitude : magnitude
    }

    /// Column widths for `grades` rows, printed as each reply arrives.
    static let gradeRowLayout = ColumnLayout(widths: [18, 5, 8, 5, 18])

    static let gradeRowHeader = gradeRowLayout.line(["CODE", "GRADE", "BASIS", "SCORE", "LISTED", "ENTERPRISE"])

    /// One `GetGrades` reply as a row: the grade, or the error the code got.
    static func gradeRow(_ reply: [String: JSONValue]) -> String {
        let code = reply["code"]?.stringValue ?? none
        if let error = reply["error"]?.stringValue {
            let reason = reply["reason"]?.stringValue ?? ""
            return gradeRowLayout.line([code, "error", "\(shortName(error)): \(reason)"])
        }
        let grade = reply["grade"]
        return gradeRowLayout.line([
            code, grade?["grade"]?.stringValue ?? none, text(grade?["basis"]), integer(grade?["score"]) ?? none,
            nonEmpty(strings(grade?["listed"]))?.joined(separator: ",") ?? none,
            text(grade?["enterprise"]?["name"]),
        ])
    }

    // MARK: Listings

    /// A `Listing` with its decision and every step of its history.
    static func listing(_ listing: JSONValue?, indent: Int = 0) -> [String] {
        let pad = String(repeating: " ", count: indent)
        var lines = [
            pad + "Listing \(integer(listing?["id"]) ?? none): \(text(listing?["listType"])), \(text(listing?["state"]))"
        ]
        var block = KeyValueBlock()
        block.add("Enterprise", listing?["nameAtDecision"]?.stringValue)
        block.add("USCC", listing?["uscc"]?.stringValue)
        block.add("Org code", listing?["orgCode"]?.stringValue.map(formattedOrgCode))
        block.add("Reason", listing?["reason"]?.stringValue)
        block.add("Legal basis", listing?["legalBasis"]?.stringValue)
        block.add("Authority", listing?["authority"]?.stringValue)
        block.add("Document", listing?["documentNumber"]?.stringValue)
        block.add("Decision date", listing?["decisionDate"]?.stringValue)
        block.add("Published", listing?["publicationDate"]?.stringValue)
        block.add("Planned end", listing?["plannedEndDate"]?.stringValue)
        if let removed = listing?["removalDate"]?.stringValue {
            block.add("Removed", removed + (listing?["removalReason"]?.stringValue.map { " (\($0))" } ?? ""))
        }
        block.add("Escalated from", integer(listing?["escalatedFrom"]).map { "listing \($0)" })
        block.add("Log index", integer(listing?["logIndex"]))
        lines += block.lines(indent: indent + 2)

        let steps = listing?["steps"]?.arrayValue ?? []
        if !steps.isEmpty {
            lines.append(pad + "  Steps")
            var table = Table(["ID", "DATE", "STEP", "STATE", "AUTHORITY", "DOCUMENT", "LOG", "DETAILS"])
            for step in steps {
                table.append([
                    integer(step["id"]) ?? none, text(step["date"]), text(step["step"]), text(step["state"]),
                    text(step["authority"]), text(step["documentNumber"]), integer(step["logIndex"]) ?? none,
                    stepDetails(step),
                ])
            }
            lines += table.lines(indent: indent + 4)
        }
        return lines
    }

    /// The facts particular to one kind of step, in a single cell.
    static func stepDetails(_ step: JSONValue) -> String {
        var parts: [String] = []
        if let outcome = step["outcome"]?.stringValue { parts.append("objection \(outcome)") }
        if let reason = step["removalReason"]?.stringValue { parts.append("as \(reason)") }
        if let end = step["plannedEndDate"]?.stringValue { parts.append("ends \(end)") }
        if let reason = step["reason"]?.stringValue { parts.append(reason) }
        if let summary = step["summary"]?.stringValue { parts.append(summary) }
        return parts.isEmpty ? none : parts.joined(separator: "; ")
    }

    /// A `CheckBlacklist` reply: whether the enterprise is listed now, and on what.
    static func repairApplication(_ application: JSONValue?) -> [String] {
        guard let application else { return [] }
        var block = KeyValueBlock()
        let overdue = application["overdue"]?.boolValue == true ? " (overdue)" : ""
        block.add("Application", integer(application["id"]))
        block.add("Listing", integer(application["listingId"]))
        block.add("Applied on", application["appliedOn"]?.stringValue)
        block.add("Letter SHA-256", application["commitmentLetterSha256"]?.stringValue)
        block.add("Penalty", application["penaltyFulfilment"]?.stringValue)
        block.add("Contact", application["applicantContact"]?.stringValue)
        block.add("Decide by", application["decideBy"]?.stringValue)
        block.add("Status", (application["status"]?.stringValue ?? "?") + overdue)
        if let decision = application["decision"], !decision.isNull {
            block.add("Decided on", decision["decidedOn"]?.stringValue)
            block.add("Reason", decision["reason"]?.stringValue)
            block.add("Document", decision["documentNumber"]?.stringValue)
        }
        return block.lines()
    }

    static func blacklistCheck(_ reply: [String: JSONValue]) -> [String] {
        var block = KeyValueBlock()
        enterprise(reply["enterprise"], into: &block)
        let listings = reply["listings"]?.arrayValue ?? []
        let lists = listings.compactMap { $0["listType"]?.stringValue }
        block.add("Listed", reply["listed"]?.boolValue == true ? "yes: \(lists.joined(separator: ", "))" : "no")
        var lines = block.lines()
        for listing in listings {
            lines.append("")
            lines += self.listing(listing)
        }
        return lines
    }

    /// Column widths for `blacklist list` rows, printed as each reply arrives.
    static let listingRowLayout = ColumnLayout(widths: [4, 19, 9, 18, 10, 11, 4])

    static let listingRowHeader = listingRowLayout.line([
        "ID", "LIST", "STATE", "CODE", "PUBLISHED", "PLANNED END", "LOG", "ENTERPRISE",
    ])

    /// One `ListBlacklist` listing as a row.
    static func listingRow(_ listing: JSONValue) -> String {
        listingRowLayout.line([
            integer(listing["id"]) ?? none, text(listing["listType"]), text(listing["state"]),
            listing["uscc"]?.stringValue ?? listing["orgCode"]?.stringValue.map(formattedOrgCode) ?? none,
            text(listing["publicationDate"]), text(listing["plannedEndDate"]), integer(listing["logIndex"]) ?? none,
            text(listing["nameAtDecision"]),
        ])
    }

    // MARK: Credit files

    /// A `CreditFile`: the enterprise, then its events, published grades and listings.
    static func creditFile(_ file: JSONValue?) -> [String] {
        var block = KeyValueBlock()
        enterprise(file?["enterprise"], into: &block)
        block.add("View", file?["view"]?.stringValue)
        var lines = block.lines()

        let events = file?["events"]?.arrayValue ?? []
        lines.append("")
        lines.append("Events (\(events.count))")
        if !events.isEmpty {
            var table = Table([
                "ID", "OCCURRED", "DIMENSION", "KIND", "SEVERITY", "AUTHORITY", "DOCUMENT", "STATUS", "SUMMARY",
            ])
            for event in events {
                table.append([
                    integer(event["id"]) ?? none, text(event["occurredOn"]), text(event["dimension"]), text(event["kind"]),
                    text(event["severity"]), text(event["authority"]), text(event["documentNumber"]),
                    eventStatus(event), text(event["summary"]),
                ])
            }
            lines += table.lines(indent: 2)
        }

        let grades = file?["grades"]?.arrayValue ?? []
        lines.append("")
        lines.append("Grades (\(grades.count))")
        if !grades.isEmpty {
            var table = Table(["ID", "EFFECTIVE", "BASIS", "GRADE", "SCORE", "POLICY", "UNTIL", "LOG", "REASON"])
            for grade in grades {
                let reason = [grade["reason"]?.stringValue, grade["documentNumber"]?.stringValue].compactMap { $0 }
                table.append([
                    integer(grade["id"]) ?? none, text(grade["effectiveAt"]), text(grade["basis"]), text(grade["grade"]),
                    integer(grade["score"]) ?? none, text(grade["policyVersion"]), text(grade["until"]),
                    integer(grade["logIndex"]) ?? none, reason.isEmpty ? none : reason.joined(separator: "; "),
                ])
            }
            lines += table.lines(indent: 2)
        }

        let listings = file?["listings"]?.arrayValue ?? []
        lines.append("")
        lines.append("Listings (\(listings.count))")
        for listing in listings {
            lines += self.listing(listing, indent: 2)
        }
        return lines
    }

    /// Whether an event still counts, and how corrections relate it to others.
    static func eventStatus(_ event: JSONValue) -> String {
        var parts: [String] = []
        if let old = integer(event["supersedes"]) {
            parts.append(event["retraction"]?.boolValue == true ? "retracts \(old)" : "corrects \(old)")
        }
        if let newer = integer(event["supersededBy"]) { parts.append("superseded by \(newer)") }
        return parts.isEmpty ? "in force" : parts.joined(separator: ", ")
    }

    // MARK: Small values

    /// A string member, or the placeholder for null or absent.
    static func text(_ value: JSONValue?) -> String {
        value?.stringValue ?? none
    }

    /// An integer member as decimal text; nil for null or absent.
    static func integer(_ value: JSONValue?) -> String? {
        value?.intValue.map(String.init)
    }

    static func strings(_ value: JSONValue?) -> [String] {
        value?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    static func nonEmpty(_ strings: [String]) -> [String]? {
        strings.isEmpty ? nil : strings
    }

    static func signed(_ number: Int64) -> String {
        number > 0 ? "+\(number)" : "\(number)"
    }

    /// The last component of a qualified varlink name: `InvalidCode` for
    /// `org.qcredit.query.InvalidCode`.
    static func shortName(_ name: String) -> String {
        name.split(separator: ".").last.map(String.init) ?? name
    }
}
