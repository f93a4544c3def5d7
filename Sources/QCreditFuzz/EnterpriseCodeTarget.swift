import QCreditDomain

/// Enterprise code normalisation and validation (USCC and organization code), as every query
/// and import applies them to user input.
///
/// Checked: normalising is idempotent; a valid code is its normalised input, 18 or 9 characters
/// of ASCII, valid again as itself, its organization code valid on its own (also in the hyphen
/// form), and admitted unflagged; admitting a wrong check character changes the outcome only for
/// check-character errors; every error describes itself.
enum EnterpriseCodeTarget {
    static let target = FuzzTarget(
        name: "code", summary: "enterprise code normalisation and USCC / organization code validation", body: run)

    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        let text = input.repairedText
        let normalised = EnterpriseCode.normalize(text)
        try require(EnterpriseCode.normalize(normalised).hasSameUTF8(as: normalised), "normalising twice changes \(normalised)")

        let code = try check(text, normalised: normalised)
        // Naming the kind changes nothing for a code of that kind (the full checks ran above).
        for kind in [CodeKind.uscc, .orgCode] {
            let named = Result { () throws(CodeError) in try EnterpriseCode(validating: text, as: kind) }
            switch (named, code) {
            case (.success(let namedCode), let code?):
                try require(namedCode == code, "as \(kind) the code is \(namedCode), without a kind \(code)")
            case (.success(let namedCode), nil):
                throw InvariantViolation("valid as \(kind) (\(namedCode)) but not without a kind")
            case (.failure(let error), let code?):
                try require(code.kind != kind, "a valid \(kind) is refused as \(kind): \(error)")
            case (.failure, nil):
                break
            }
        }
    }

    /// Validates `text` and checks the outcome; returns the code when it is valid.
    private static func check(_ text: String, normalised: String) throws(InvariantViolation) -> EnterpriseCode? {
        let code: EnterpriseCode
        do {
            code = try EnterpriseCode(validating: text)
        } catch {
            try checkRefusal(error, of: text)
            return nil
        }
        try require(code.value.hasSameUTF8(as: normalised), "the code \(code.value) is not the normalised input")
        try require(code.value.utf8.allSatisfy { $0 < 0x80 }, "the code \(code.value) is not ASCII")
        switch code.kind {
        case .uscc:
            try require(code.value.utf8.count == USCC.length, "a USCC of \(code.value.utf8.count) bytes")
            try require(
                USCC.checkCharacter(forFirst17: String(code.value.prefix(17))) == code.value.last,
                "USCC \(code.value) accepted with a wrong check character")
        case .orgCode:
            try require(code.value.utf8.count == OrganizationCode.length, "an organization code of \(code.value.utf8.count) bytes")
        }
        try require((try? EnterpriseCode(validating: code.value)) == code, "the valid code \(code.value) is not valid again")
        for form in [code.orgCode, code.formattedOrgCode] {
            let embedded = try? EnterpriseCode(validating: form, as: .orgCode)
            try require(embedded?.orgCode == code.orgCode, "the organization code \(form) of \(code.value) is not valid")
        }
        let admitted = try? EnterpriseCode.admittingWrongCheckCharacter(text)
        try require(admitted?.code == code && admitted?.checkError == nil, "the valid code \(code.value) is admitted differently")
        return code
    }

    private static func checkRefusal(_ error: CodeError, of text: String) throws(InvariantViolation) {
        try require(!error.description.isEmpty && !error.reason.isEmpty, "an error without a description")
        switch error.kind {
        case .wrongCheckCharacter, .wrongEmbeddedCheckCharacter:
            let admitted = try? EnterpriseCode.admittingWrongCheckCharacter(text)
            try require(admitted?.checkError == error, "a code refused only for \(error.kind) is not admitted with it")
        case .empty, .wrongLength, .invalidCharacter:
            let admission = Result { () throws(CodeError) in try EnterpriseCode.admittingWrongCheckCharacter(text) }
            guard case .failure(let admissionError) = admission else {
                throw InvariantViolation("a code refused for \(error.kind) is admitted")
            }
            try require(admissionError == error, "admission refuses with \(admissionError), validation with \(error)")
        }
    }
}
