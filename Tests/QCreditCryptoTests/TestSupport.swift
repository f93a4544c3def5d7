import Foundation
import QCreditTestSupport
import Testing

/// Hex helpers shared by the tests.
extension Array where Element == UInt8 {
    init(hex: String) {
        precondition(hex.count % 2 == 0, "odd-length hex")
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        self = bytes
    }

    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

/// The test vectors in Fixtures/crypto-vectors.json.
struct CryptoVectors: Decodable {
    struct Ed25519Vector: Decodable, CustomTestStringConvertible {
        let source: String
        let seed: String
        let publicKey: String
        let message: String
        let signature: String
        var testDescription: String { source }
    }

    struct SM2Vector: Decodable {
        let source: String
        let publicKey: String
        let message: String
        let distinguishingID: String
        let rawSignature: String
    }

    let ed25519: [Ed25519Vector]
    let sm2: [SM2Vector]

    static let shared: CryptoVectors = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/crypto-vectors.json")
        return try! JSONDecoder().decode(CryptoVectors.self, from: Data(contentsOf: url))
    }()
}

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-crypto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ bytes: [UInt8], to name: String) throws { try Data(bytes).write(to: url.appendingPathComponent(name)) }

    func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: url.appendingPathComponent(name))) }

    func readText(_ name: String) throws -> String { String(decoding: try read(name), as: UTF8.self) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// The `openssl` command-line tool, run as a child process for interoperability tests.
enum OpenSSLCLI {
    static let executable: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("openssl")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    static var isAvailable: Bool { executable != nil }

    struct Result {
        let status: Int32
        let output: String
    }

    /// Runs `openssl arguments…` in `directory`, returning its exit status and combined output.
    @discardableResult
    static func run(_ arguments: [String], in directory: ScratchDirectory) async throws -> Result {
        let tool = try #require(executable, "openssl is not on the PATH")
        let child = try ChildProcess(tool.path, arguments, directory: directory.url.path, standardOutput: .pipe)
        // Suspends while it runs: a blocked thread would be one of the two every test's tasks share.
        let result = try await child.collect()
        return Result(status: result.status, output: String(decoding: result.output, as: UTF8.self))
    }

    /// Runs `openssl arguments…` and requires it to succeed.
    static func succeed(_ arguments: [String], in directory: ScratchDirectory) async throws {
        let result = try await run(arguments, in: directory)
        #expect(result.status == 0, "openssl \(arguments.joined(separator: " ")): \(result.output)")
        if result.status != 0 { throw CLIFailure(output: result.output) }
    }

    struct CLIFailure: Error { let output: String }
}
