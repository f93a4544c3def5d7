/// One fuzz target: an entry point that takes arbitrary bytes, feeds them to one of qcredit's
/// parsers, and checks what must hold of the result.
///
/// Under libFuzzer (`Scripts/fuzz`) a thrown ``InvariantViolation`` becomes a crash, so it is
/// reported and its input saved like any other; replaying a corpus reports it as a failure.
///
/// ```swift
/// let target = FuzzTarget.named("json")!
/// try target.run(Array(#"{"a":[1,2.5]}"#.utf8))
/// ```
public struct FuzzTarget: Sendable {
    /// The name `Scripts/fuzz` and the corpus folder (`Tests/FuzzCorpus/<name>`) use.
    public let name: String
    /// What the target feeds and checks, for `--list`.
    public let summary: String
    private let body: @Sendable (UnsafeRawBufferPointer) throws(InvariantViolation) -> Void

    init(name: String, summary: String, body: @escaping @Sendable (UnsafeRawBufferPointer) throws(InvariantViolation) -> Void) {
        self.name = name
        self.summary = summary
        self.body = body
    }

    /// Runs the target on one input.
    public func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        try body(input)
    }

    /// Runs the target on one input.
    public func run(_ input: [UInt8]) throws(InvariantViolation) {
        let result = input.withUnsafeBytes { bytes in
            Result { () throws(InvariantViolation) in try body(bytes) }
        }
        try result.get()
    }

    /// Every target, in the order `Scripts/fuzz all` runs them.
    public static let all: [FuzzTarget] = [
        VarlinkFrameTarget.target, JSONTarget.target, EnterpriseCodeTarget.target, ConfigurationTarget.target,
        SignedNoteTarget.target, TLogProofTarget.target, ExportManifestTarget.target,
    ]

    public static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}

/// Something that must hold of every input did not: a bug in the code under test (or in the
/// target's idea of it).
public struct InvariantViolation: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { "invariant violated: \(message)" }
}

/// Throws ``InvariantViolation`` with `message` unless `condition` holds.
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(InvariantViolation) {
    guard condition else { throw InvariantViolation(message()) }
}

extension UnsafeRawBufferPointer {
    /// The input as text the way a file reader would make it (invalid UTF-8 repaired), for the
    /// parsers that take a `String`.
    var repairedText: String { String(decoding: self, as: UTF8.self) }
}

extension StringProtocol {
    /// Byte-for-byte equality: Swift's `==` treats canonically equivalent spellings as equal,
    /// but signatures and digests cover bytes.
    func hasSameUTF8(as other: some StringProtocol) -> Bool {
        utf8.elementsEqual(other.utf8)
    }
}
