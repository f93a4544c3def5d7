import CanonicalJSON
import Foundation
import QCreditDomain
import QCreditService
import Testing
import Varlink

/// The README's permission matrix is the contract: every method of every interface has a row,
/// and a peer of each role (and one with none) is refused exactly where the row says so.
@Suite struct PermissionMatrixTests {
    enum Column: String, CaseIterable {
        case regulator, bank, auditor, `operator`, noRole = "no role"

        var peer: VarlinkPeerCredentials {
            switch self {
            case .regulator: ServiceFixture.regulator
            case .bank: ServiceFixture.bank
            case .auditor: ServiceFixture.auditor
            case .operator: ServiceFixture.operator
            case .noRole: ServiceFixture.stranger
            }
        }
    }

    /// The matrix as the README shows it: method → the columns marked ✓.
    static func readmeMatrix() throws -> [String: Set<Column>] {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let start = try #require(text.range(of: "<!-- permission-matrix"))
        let end = try #require(text.range(of: "<!-- /permission-matrix -->"))
        var lines = text[start.upperBound..<end.lowerBound].split(separator: "\n").dropFirst().map(String.init)
        let header = lines.removeFirst().split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(header == ["method"] + Column.allCases.map(\.rawValue))
        lines.removeFirst()  // |---|
        var matrix: [String: Set<Column>] = [:]
        for line in lines {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let method = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            #expect(matrix[method] == nil, "\(method) has two rows")
            #expect(cells.count == Column.allCases.count + 1, "\(line)")
            matrix[method] = Set(zip(Column.allCases, cells.dropFirst()).filter { $0.1 == "✓" }.map(\.0))
        }
        return matrix
    }

    @Test func everyMethodHasARowAndTheCodeAgrees() throws {
        let matrix = try Self.readmeMatrix()
        let served = Set(
            (RegistryInterfaces.all + [VarlinkInterface.service]).flatMap { interface in
                interface.methods.map { "\(interface.name).\($0.name)" }
            })
        #expect(Set(matrix.keys) == served, "methods without a row: \(served.subtracting(matrix.keys).sorted())")
        for (method, roles) in RegistryService.methodRoles {
            #expect(Set(roles.map { Column(rawValue: $0.rawValue)! }) == matrix[method], "\(method)")
        }
    }

    /// Each of the five callers, each method: refused with `PermissionDenied` exactly where the
    /// matrix has no ✓ (an allowed call may still fail, on its parameters, but not for its role).
    @Test func everyCallerIsRefusedExactlyWhereTheMatrixSays() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        for (method, allowed) in try Self.readmeMatrix().sorted(by: { $0.key < $1.key }) {
            for column in Column.allCases {
                let replies = try await fixture.replies(method, [:], as: column.peer, more: true)
                let refused = replies.first?.error?.hasSuffix(".PermissionDenied") == true
                #expect(refused == !allowed.contains(column), "\(method) as \(column.rawValue): \(replies.first.map { "\($0)" } ?? "")")
            }
        }
    }
}
