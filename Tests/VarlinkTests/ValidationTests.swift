import CanonicalJSON
import Testing
import Varlink

@Suite struct ValidationTests {
    let interface = TestInterface.interface

    private func invalidField(_ method: String, _ parameters: [String: JSONValue]) -> String? {
        do {
            try interface.validateInput(method: method, parameters: parameters)
            return nil
        } catch {
            #expect(error.name == "org.varlink.service.InvalidParameter")
            return error.parameters["parameter"]?.stringValue
        }
    }

    static let validItem: JSONValue = ["name": "a", "kind": "small"]

    @Test func acceptsConformingInput() {
        #expect(invalidField("Ping", ["text": "hi"]) == nil)
        #expect(invalidField("org.example.test.Ping", ["text": ""]) == nil)
        #expect(invalidField("Store", ["item": Self.validItem]) == nil)
        #expect(
            invalidField(
                "Store",
                [
                    "item": ["name": "a", "kind": "large", "tags": ["x", "y"]],
                    "labels": ["k": "v"],
                    "ratio": 1,  // an integer is a float
                    "extra": ["anything": [1, "two", nil]],
                ]) == nil)
        // Optional fields may be null or absent, at any depth.
        #expect(invalidField("Store", ["item": ["name": "a", "kind": "small", "tags": nil], "labels": nil, "ratio": nil]) == nil)
        // 3.0 is an integer, as JSONValue.intValue reads it.
        #expect(invalidField("Count", ["count": 3.0]) == nil)
        #expect(invalidField("WhoAmI", [:]) == nil)
    }

    /// A top-level fault names the field; one inside a value names where in it (`item.kind`).
    @Test func namesTheOffendingFieldAndWhereInIt() {
        #expect(invalidField("Ping", [:]) == "text")  // missing
        #expect(invalidField("Ping", ["text": nil]) == "text")  // null for a non-optional
        #expect(invalidField("Ping", ["text": 1]) == "text")  // wrong type
        #expect(invalidField("Ping", ["text": "a", "extra": 1]) == "extra")  // unknown field
        #expect(invalidField("Count", ["count": 1.5]) == "count")  // int must be integral
        #expect(invalidField("Count", ["count": "3"]) == "count")
        #expect(invalidField("Count", ["count": true]) == "count")
        #expect(invalidField("Store", ["item": ["name": "a", "kind": "medium"]]) == "item.kind")  // enum value not listed
        #expect(invalidField("Store", ["item": ["name": "a"]]) == "item.kind")  // nested missing
        #expect(invalidField("Store", ["item": ["name": "a", "kind": "small", "colour": "red"]]) == "item.colour")  // nested unknown
        #expect(invalidField("Store", ["item": ["name": "a", "kind": "small", "tags": ["x", 1]]]) == "item.tags[1]")  // array element
        #expect(invalidField("Store", ["item": Self.validItem, "labels": ["k": 1]]) == #"labels["k"]"#)  // dictionary value
        #expect(invalidField("Store", ["item": Self.validItem, "labels": ["k", "v"]]) == "labels")
        #expect(invalidField("Store", ["item": Self.validItem, "ratio": "1.5"]) == "ratio")
        #expect(invalidField("Store", ["item": Self.validItem, "extra": [1]]) == "extra")  // object must be an object
        #expect(invalidField("Store", ["item": "a"]) == "item")
        #expect(invalidField("WhoAmI", ["uid": 0]) == "uid")
    }

    @Test func declaredFieldsAreCheckedBeforeUnknownOnes() {
        #expect(invalidField("Ping", ["zzz": 1, "aaa": 2]) == "text")
        #expect(invalidField("Ping", ["text": "x", "zzz": 1, "aaa": 2]) == "aaa")
    }

    @Test func unknownMethodIsMethodNotFound() {
        #expect(throws: VarlinkError.methodNotFound("org.example.test.Nope")) {
            try interface.validateInput(method: "Nope", parameters: [:])
        }
    }

    @Test func outputValidationGivesThePath() throws {
        try interface.validateOutput(method: "Ping", parameters: ["text": "x"])
        try interface.validateOutput(method: "Recall", parameters: ["values": []])
        #expect(throws: VarlinkValidationError(field: "values", path: "values[1]", reason: "expected string, found integer")) {
            try interface.validateOutput(method: "Recall", parameters: ["values": ["a", 2]])
        }
        #expect(throws: VarlinkValidationError(field: "text", path: "text", reason: "missing")) {
            try interface.validateOutput(method: "Ping", parameters: [:])
        }
        #expect(throws: VarlinkValidationError.self) {
            try interface.validateOutput(method: "Nope", parameters: [:])
        }
    }

    @Test func nestedPathsNameTheValue() {
        do {
            try interface.validateInput(
                method: "Store", parameters: ["item": ["name": "a", "kind": "small", "tags": ["x", nil]]])
            Issue.record("accepted a null tag")
        } catch {
            #expect(error == .invalidParameter("item.tags[1]"))
        }
        let mirror = try! VarlinkInterface(parsing: """
            interface org.example.mirror
            type Item (name: string, kind: (small, large), tags: ?[]string)
            method Get() -> (item: Item, labels: [string]?Item)
            """)
        #expect(throws: VarlinkValidationError(field: "item", path: "item.tags[1]", reason: "must not be null (expected string)")) {
            try mirror.validateOutput(method: "Get", parameters: ["item": ["name": "a", "kind": "small", "tags": ["x", nil]], "labels": [:]])
        }
        #expect(throws: VarlinkValidationError(field: "labels", path: #"labels["b"].kind"#, reason: "'huge' is not one of (small, large)")) {
            try mirror.validateOutput(
                method: "Get",
                parameters: ["item": Self.validItem, "labels": ["a": nil, "b": ["name": "b", "kind": "huge"]]])
        }
        #expect(throws: VarlinkValidationError(field: "item", path: "item.colour", reason: "unknown field")) {
            try mirror.validateOutput(
                method: "Get", parameters: ["item": ["name": "a", "kind": "small", "colour": "red"], "labels": [:]])
        }
    }

    @Test func errorValidation() throws {
        try interface.validateError(name: "org.example.test.NotFound", parameters: ["code": 4])
        try interface.validateError(name: "NotFound", parameters: ["code": 4])
        try interface.validateError(name: "org.varlink.service.InvalidParameter", parameters: ["parameter": "x"])
        try interface.validateError(name: "org.varlink.service.ExpectedMore", parameters: [:])
        #expect(throws: VarlinkValidationError.self) {
            try interface.validateError(name: "org.example.test.NotFound", parameters: ["code": "4"])
        }
        #expect(throws: VarlinkValidationError.self) {
            try interface.validateError(name: "org.example.test.Unknown", parameters: [:])
        }
        #expect(throws: VarlinkValidationError.self) {
            try interface.validateError(name: "org.varlink.service.InternalError", parameters: [:])
        }
        #expect(throws: VarlinkValidationError.self) {
            try interface.validateError(name: "org.example.other.NotFound", parameters: ["code": 4])
        }
    }
}

