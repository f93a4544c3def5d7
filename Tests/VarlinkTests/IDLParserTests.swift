import Testing
import Varlink

@Suite struct IDLParserTests {
    @Test func parsesTheServiceInterface() throws {
        let service = try VarlinkInterface(parsing: VarlinkInterface.serviceText)
        #expect(service.name == "org.varlink.service")
        #expect(service.methods.map(\.name) == ["GetInfo", "GetInterfaceDescription"])
        #expect(
            service.errors.map(\.name) == [
                "InterfaceNotFound", "MethodNotFound", "MethodNotImplemented", "InvalidParameter",
                "PermissionDenied", "ExpectedMore",
            ])
        let getInfo = try #require(service.method(named: "GetInfo"))
        #expect(getInfo.input.isEmpty)
        #expect(getInfo.output.map(\.name) == ["vendor", "product", "version", "url", "interfaces"])
        #expect(getInfo.output.last?.type == .array(.string))
        #expect(getInfo.documentation.hasPrefix("Get a list of all the interfaces"))
        #expect(service.documentation.hasPrefix("The Varlink Service Interface is provided"))
        #expect(service.text == VarlinkInterface.serviceText)
    }

    @Test func parsesAComplexSample() throws {
        let text = """
            # Interface to jump a spacecraft to another point in space.
            # Second doc line.
            interface org.example.ftl-drive

            # The current state of the drive.
            type DriveCondition (
              state: (idle, spooling, busy),
              tylium_level: int
            )

            type Coordinate (longitude: float, latitude: float, distance: int)

            type Everything (
              flag: bool,
              whole: int,
              half: float,
              name: string,
              foreign: object,
              nested: (first: int, second: (deep: ?string)),
              list: []string,
              map: [string]Coordinate,
              set: [string](),
              maybe: ?string,
              maybe_list: ?[](first: int, second: string),
              list_of_maybe: []?int,
              other: DriveCondition
            )

            # Monitor the drive.
            method Monitor() -> (condition: DriveCondition)

            method Jump(config: (speed: int, trajectory: int), target: Coordinate) -> () # trailing comment

            error NotEnoughEnergy ()
            error ParameterOutOfRange (field: string)
            """
        let interface = try VarlinkInterface(parsing: text)
        #expect(interface.name == "org.example.ftl-drive")
        #expect(interface.documentation == "Interface to jump a spacecraft to another point in space.\nSecond doc line.")
        #expect(interface.types.map(\.name) == ["DriveCondition", "Coordinate", "Everything"])
        #expect(interface.type(named: "DriveCondition")?.documentation == "The current state of the drive.")
        #expect(
            interface.type(named: "DriveCondition")?.type
                == .structure([
                    VarlinkField(name: "state", type: .enumeration(["idle", "spooling", "busy"])),
                    VarlinkField(name: "tylium_level", type: .int),
                ]))
        guard case .structure(let fields)? = interface.type(named: "Everything")?.type else {
            Issue.record("Everything is not a struct")
            return
        }
        let types = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.type) })
        #expect(types["flag"] == .bool)
        #expect(types["half"] == .float)
        #expect(types["foreign"] == .object)
        #expect(
            types["nested"]
                == .structure([
                    VarlinkField(name: "first", type: .int),
                    VarlinkField(
                        name: "second", type: .structure([VarlinkField(name: "deep", type: .optional(.string))])),
                ]))
        #expect(types["list"] == .array(.string))
        #expect(types["map"] == .dictionary(.named("Coordinate")))
        #expect(types["set"] == .dictionary(.structure([])))
        #expect(types["maybe"] == .optional(.string))
        #expect(
            types["maybe_list"]
                == .optional(
                    .array(.structure([VarlinkField(name: "first", type: .int), VarlinkField(name: "second", type: .string)])))
        )
        #expect(types["list_of_maybe"] == .array(.optional(.int)))
        #expect(types["other"] == .named("DriveCondition"))
        #expect(interface.method(named: "Monitor")?.documentation == "Monitor the drive.")
        #expect(interface.method(named: "org.example.ftl-drive.Jump")?.output == [])
        #expect(interface.method(named: "Jump")?.documentation == "")
        #expect(interface.error(named: "ParameterOutOfRange")?.parameters == [VarlinkField(name: "field", type: .string)])
        #expect(interface.error(named: "org.example.other.ParameterOutOfRange") == nil)
        #expect(interface.text == text)
    }

    @Test func acceptsCompactAndOddlySpacedText() throws {
        let interface = try VarlinkInterface(parsing: "interface a.b\r\nmethod F(x:int)->(y:?[]string)\r\n")
        #expect(interface.method(named: "F")?.output == [VarlinkField(name: "y", type: .optional(.array(.string)))])
    }

    @Test func blankLineSeparatesDocumentation() throws {
        let interface = try VarlinkInterface(parsing: "# license header\n\n# The doc.\ninterface a.b\n\n# Not a doc\n\nmethod F() -> ()\n")
        #expect(interface.documentation == "The doc.")
        #expect(interface.method(named: "F")?.documentation == "")
    }

    struct Malformed: CustomTestStringConvertible, Sendable {
        var text: String
        var line: Int
        var column: Int
        var message: String
        var testDescription: String { message }
    }

    static let malformed: [Malformed] = [
        Malformed(text: "method F() -> ()", line: 1, column: 1, message: "expected 'interface'"),
        Malformed(text: "interface Org.Example\nmethod F() -> ()", line: 1, column: 11, message: "not a valid interface name"),
        Malformed(text: "interface example\nmethod F() -> ()", line: 1, column: 11, message: "not a valid interface name"),
        Malformed(text: "interface org.-example\nmethod F() -> ()", line: 1, column: 11, message: "not a valid interface name"),
        Malformed(text: "interface org.example", line: 1, column: 22, message: "at least one member"),
        Malformed(text: "interface org.example\nmethod F(a: int -> ()", line: 2, column: 17, message: "expected ',' or ')'"),
        Malformed(text: "interface org.example\n\nmethod f() -> ()", line: 3, column: 8, message: "not a valid name"),
        Malformed(text: "interface org.example\nmethod F() -> ()\nmethod F() -> ()", line: 3, column: 8, message: "declared twice"),
        Malformed(text: "interface org.example\ntype T (a: int)\nerror T ()", line: 3, column: 7, message: "declared twice"),
        Malformed(text: "interface org.example\nmethod F(a: int, a: string) -> ()", line: 2, column: 18, message: "declared twice"),
        Malformed(text: "interface org.example\nmethod F(a: Missing) -> ()", line: 2, column: 13, message: "unknown type 'Missing'"),
        Malformed(text: "interface org.example\nmethod F(a: ??int) -> ()", line: 2, column: 14, message: "'??'"),
        Malformed(text: "interface org.example\nmethod F(a: int,) -> ()", line: 2, column: 17, message: "expected a field name"),
        Malformed(text: "interface org.example\ntype T (a, b: int)", line: 2, column: 13, message: "mixed struct and enum"),
        Malformed(text: "interface org.example\ntype T (a, b, a)", line: 2, column: 15, message: "listed twice"),
        Malformed(text: "interface org.example\nmethod F(a, b) -> ()", line: 2, column: 9, message: "must be a struct"),
        Malformed(text: "interface org.example\nmethod F() (a: int)", line: 2, column: 12, message: "expected '->'"),
        Malformed(text: "interface org.example\nmethod F(a: [int]string) -> ()", line: 2, column: 14, message: "expected ']' or 'string]'"),
        Malformed(text: "interface org.example\nmethod F(a: lint) -> ()", line: 2, column: 13, message: "'lint' is not a type"),
        Malformed(text: "interface org.example\nmethod F(_a: int) -> ()", line: 2, column: 10, message: "unexpected character '_'"),
        Malformed(text: "interface org.example\nmethod F(a__b: int) -> ()", line: 2, column: 10, message: "not a valid field name"),
        Malformed(text: "interface org.example\nmethod F(a: int) -> ()\nfunction G() -> ()", line: 3, column: 1, message: "expected 'type', 'method' or 'error'"),
        Malformed(text: "interface org.example\n  method F(ä: int) -> ()", line: 2, column: 12, message: "unexpected character 'ä'"),
    ]

    @Test(arguments: malformed) func rejectsMalformedText(_ sample: Malformed) {
        #expect {
            try VarlinkInterface(parsing: sample.text)
        } throws: { error in
            guard let error = error as? VarlinkSyntaxError else { return false }
            #expect(error.line == sample.line, "\(error)")
            #expect(error.column == sample.column, "\(error)")
            #expect(error.message.contains(sample.message), "\(error)")
            return true
        }
    }

    @Test func syntaxErrorDescriptionNamesThePosition() {
        let error = VarlinkSyntaxError(line: 3, column: 7, message: "expected '->'")
        #expect(error.description == "line 3, column 7: expected '->'")
    }

    @Test func typesPrintAsTheyAreWritten() {
        let type = VarlinkType.optional(.array(.structure([VarlinkField(name: "a", type: .dictionary(.enumeration(["x", "y"])))])))
        #expect(type.description == "?[](a: [string](x, y))")
    }
}
