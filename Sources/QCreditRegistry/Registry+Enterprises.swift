import QCreditDomain
import QCreditStore

/// What a regulator supplies to open a credit file.
public struct RegistrationRequest: Sendable {
    public var code: String
    public var name: String
    /// Administrative division (GB/T 2260); taken from the USCC when there is one.
    public var divisionCode: String?
    /// Taken from the USCC's first two positions when not given.
    public var entityType: String?
    /// Admit a code whose only fault is its check character (a pilot code really issued so);
    /// the file then carries a visible warning.
    public var admitWrongCheckCharacter: Bool

    public init(
        code: String, name: String, divisionCode: String? = nil, entityType: String? = nil,
        admitWrongCheckCharacter: Bool = false
    ) {
        self.code = code
        self.name = name
        self.divisionCode = divisionCode
        self.entityType = entityType
        self.admitWrongCheckCharacter = admitWrongCheckCharacter
    }
}

/// A change to an enterprise's registered particulars.
public struct EnterpriseUpdate: Sendable {
    public var code: String
    public var name: String?
    public var status: String?
    public var effectiveOn: String?
    public var reason: String
    public var documentNumber: String?

    public init(
        code: String, name: String? = nil, status: String? = nil, effectiveOn: String? = nil, reason: String,
        documentNumber: String? = nil
    ) {
        self.code = code
        self.name = name
        self.status = status
        self.effectiveOn = effectiveOn
        self.reason = reason
        self.documentNumber = documentNumber
    }
}

extension Registry {
    /// Opens a credit file. A USCC for an organisation already on file under its legacy
    /// organization code is attached to that file rather than opening a second one.
    public func register(_ request: RegistrationRequest, by caller: Caller) async throws -> Enterprise {
        let admitted = try Self.admit(request)
        return try await write(by: caller) { writer in
            try writer.reader.enterprise(id: Self.open(admitted, writer: writer))!
        }
    }

    /// A registration request checked: what ``open(_:writer:)`` writes.
    struct AdmittedRegistration: Sendable {
        var code: EnterpriseCode
        var checkWarning: String?
        var name: String
        var divisionCode: String?
        var entityType: String?
        /// Whether `entityType` is what the USCC itself names or the request gave (else a label
        /// made from the code's positions, or nil): a legacy file's own type gives way only to these.
        var entityTypeIsStated: Bool
    }

    static func admit(_ request: RegistrationRequest) throws -> AdmittedRegistration {
        let name = try TextField.line(request.name, "name", maxLength: 200)
        let code: EnterpriseCode
        let checkWarning: String?
        do {
            if request.admitWrongCheckCharacter {
                let admitted = try EnterpriseCode.admittingWrongCheckCharacter(request.code)
                (code, checkWarning) = (admitted.code, admitted.checkError.map { "admitted on import: \($0.reason)" })
            } else {
                (code, checkWarning) = (try EnterpriseCode(validating: request.code), nil)
            }
        } catch {
            throw RegistryError.invalidCode(error)
        }
        // A USCC carries its division (positions 3–8); one given beside it must be that one.
        let given = try Self.division(request.divisionCode)
        if let given, let own = code.divisionCode, given != own {
            throw RegistryError.invalidArgument(
                parameter: "divisionCode", reason: "\(given) is not the division of USCC \(code.value), which is \(own); leave it out")
        }
        let divisionCode = code.divisionCode ?? given
        // And, under market regulation (authority 9), its entity type (position 2): one given
        // beside it must be that one too. Other authorities' types have no name here, so the
        // one given names it.
        let givenType = try TextField.optional(request.entityType, "entityType", maxLength: 40)
        let namedType = Self.namedEntityType(of: code)
        if let givenType, let namedType, givenType != namedType {
            throw RegistryError.invalidArgument(
                parameter: "entityType", reason: "\(givenType) is not the entity type of USCC \(code.value), which is \(namedType); leave it out")
        }
        let entityType = namedType ?? givenType ?? Self.entityType(of: code)
        return AdmittedRegistration(
            code: code, checkWarning: checkWarning, name: name, divisionCode: divisionCode, entityType: entityType,
            entityTypeIsStated: namedType != nil || givenType != nil)
    }

    /// Opens the file (or attaches a USCC to its legacy file) and returns the file's id; refuses
    /// before writing anything when a file already holds the code.
    static func open(_ admitted: AdmittedRegistration, writer: RegistryWriter) throws -> Int64 {
        let (code, name, divisionCode, entityType) = (admitted.code, admitted.name, admitted.divisionCode, admitted.entityType)
        let reader = writer.reader
        // Ids only, through SQLite's C API: a GRDB row for the look-up of every registered file
        // cost a tenth of registering one. A USCC is looked up by its organization code alone:
        // every file holding a USCC holds the organization code in it too (a new file gets
        // both below; a legacy file holding it gets the USCC attached), so a code that no file
        // holds means the USCC is new as well.
        var entries = [EnterpriseCodeEntry(code: code.value, kind: code.kind, checkWarning: admitted.checkWarning)]
        if code.kind == .uscc {
            if let holderId = try reader.enterpriseId(exactCode: code.orgCode) {
                let existing = try reader.enterprise(id: holderId)
                guard let existing, existing.uscc == nil else {
                    throw RegistryError.alreadyRegistered(code: existing?.uscc == code.value ? code.value : code.orgCode)
                }
                // The organisation's new USCC joins its legacy file, which takes the type the USCC
                // names (or the request gives) over its own.
                try writer.insertCode(entries[0], enterpriseId: existing.id)
                let type = admitted.entityTypeIsStated ? entityType : existing.current.entityType ?? entityType
                if existing.name != name || existing.current.divisionCode != divisionCode || existing.current.entityType != type {
                    try writer.insertRevision(
                        enterpriseId: existing.id, name: name, divisionCode: divisionCode,
                        entityType: type, status: existing.current.status, effectiveOn: nil,
                        reason: "USCC \(code.value) assigned", documentNumber: nil)
                }
                return existing.id
            }
            entries.append(EnterpriseCodeEntry(code: code.orgCode, kind: .orgCode, checkWarning: admitted.checkWarning))
        } else if try reader.enterpriseId(exactCode: code.value) != nil {
            throw RegistryError.alreadyRegistered(code: code.value)
        }
        let id = try writer.insertEnterprise()
        try writer.insertOpeningCodes(entries, enterpriseId: id)
        try writer.insertRevision(
            enterpriseId: id, name: name, divisionCode: divisionCode, entityType: entityType, status: .active,
            effectiveOn: nil, reason: "registered", documentNumber: nil)
        return id
    }

    /// Records a rename or a change of status as a new revision of the file's particulars.
    public func updateEnterprise(_ update: EnterpriseUpdate, by caller: Caller) async throws -> Enterprise {
        // A name given must be a name: an empty one is refused as RegisterEnterprise refuses
        // it, not taken for "no rename".
        let name = try update.name.map { value throws(RegistryError) in try TextField.line(value, "name", maxLength: 200) }
        let status = try update.status.map { value throws(RegistryError) in
            try TextField.choice(value, "status", as: EnterpriseStatus.self)
        }
        let effectiveOn = try update.effectiveOn.map { value throws(RegistryError) in try TextField.date(value, "effectiveOn") }
        // The revision is in force from when it is recorded: a change that takes effect later is
        // recorded when it does, not announced ahead.
        let today = self.today
        if let effectiveOn, effectiveOn > today {
            throw RegistryError.invalidArgument(
                parameter: "effectiveOn", reason: "\(effectiveOn) is in the future (today is \(today)); record the change when it takes effect")
        }
        let reason = try TextField.required(update.reason, "reason")
        let documentNumber = try TextField.optionalDocumentNumber(update.documentNumber)
        guard name != nil || status != nil else {
            throw RegistryError.invalidArgument(parameter: "name", reason: "give a new name or a new status")
        }
        return try await write(by: caller) { writer in
            let enterprise = try writer.reader.existingEnterprise(forCode: update.code)
            let current = enterprise.current
            // A revision that changes nothing would read, in the file's history, as a change made.
            guard name.map({ $0 != current.name }) ?? false || status.map({ $0 != current.status }) ?? false else {
                let given = [name.map { _ in "name" }, status.map { _ in "status" }].compactMap { $0 }
                throw RegistryError.invalidArgument(
                    parameter: given[0], reason: "changes nothing: the file already has that \(given.joined(separator: " and "))")
            }
            try writer.insertRevision(
                enterpriseId: enterprise.id, name: name ?? current.name, divisionCode: current.divisionCode,
                entityType: current.entityType, status: status ?? current.status, effectiveOn: effectiveOn,
                reason: reason, documentNumber: documentNumber)
            // Active again: its grade, frozen while it was not, follows the policy again from
            // today (a file never graded and without events still waits for PublishGrades).
            if status == .active, current.status != .active, try Self.hasGradeOrEvents(enterprise.id, writer) {
                try writer.markRegradeDue(enterpriseId: enterprise.id, by: today)
            }
            return try writer.reader.enterprise(id: enterprise.id)!
        }
    }

    static func hasGradeOrEvents(_ enterpriseId: Int64, _ writer: RegistryWriter) throws -> Bool {
        let reader = writer.reader
        return try reader.newestComputedGrade(enterpriseId: enterpriseId) != nil
            || reader.latestGrade(enterpriseId: enterpriseId, basis: .override, atOrBefore: writer.now) != nil
            || !reader.events(enterpriseId: enterpriseId).isEmpty
    }

    /// The credit file's particulars by either code.
    public func enterprise(code: String) async throws -> Enterprise {
        try await database.read { try $0.existingEnterprise(forCode: code) }
    }

    static func division(_ value: String?) throws(RegistryError) -> String? {
        guard let value = try TextField.optional(value, "divisionCode", maxLength: 6) else { return nil }
        guard value.count == 6, value.allSatisfy(\.isASCII), value.allSatisfy(\.isNumber) else {
            throw .invalidArgument(parameter: "divisionCode", reason: "'\(value)' is not a six-digit GB/T 2260 code")
        }
        return value
    }

    /// A readable entity type from the USCC's registration authority and type positions.
    static func entityType(of code: EnterpriseCode) -> String? {
        guard let authority = code.registrationAuthority, let type = code.entityType else { return nil }
        return namedEntityType(of: code) ?? "authority-\(authority)-type-\(type)"
    }

    /// The entity type a USCC registered by market regulation names (position 2 under
    /// authority 9), or nil.
    static func namedEntityType(of code: EnterpriseCode) -> String? {
        switch (code.registrationAuthority, code.entityType) {
        case ("9", "1"): "enterprise"
        case ("9", "2"): "individual-business"
        case ("9", "3"): "farmers-cooperative"
        default: nil
        }
    }
}
