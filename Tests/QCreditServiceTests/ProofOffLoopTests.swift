import CanonicalJSON
import QCreditDomain
@testable import QCreditService
import Testing
import Varlink

/// Inclusion and consistency proofs read on the server's blocking pool give exactly the normal
/// path's replies, errors included, to every role that may ask; a peer the normal path must
/// examine (no role known at once) is left to it.
@Suite struct ProofOffLoopTests {
    static let audit = "org.qcredit.audit."

    @Test func poolRepliesAreTheNormalPathsForEveryEdgeValue() async throws {
        let fixture = try await ServiceFixture()
        for n in 0..<5 {
            _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(USCC.madeUp(serial: 70 + n)), "name": "Proof Co."])
        }
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", [:])
        let size = try await fixture.logSize()
        #expect(size >= 6)
        var calls: [VarlinkCall] = []
        for treeSize in [-1, 0, 1, 2, size - 1, size, size + 1, 1 << 53] {
            for index in [-1, 0, 1, treeSize - 1, treeSize, size] {
                calls.append(VarlinkCall(method: Self.audit + "GetInclusionProof", parameters: ["index": .int(index), "treeSize": .int(treeSize)]))
            }
        }
        for toSize in [-1, 0, 1, 3, size, size + 1] {
            for fromSize in [-1, 0, 1, 2, toSize, toSize + 1] {
                calls.append(VarlinkCall(method: Self.audit + "GetConsistencyProof", parameters: ["fromSize": .int(fromSize), "toSize": .int(toSize)]))
            }
        }
        var answeredOnPool = 0
        for peer in [ServiceFixture.bank, ServiceFixture.auditor, ServiceFixture.regulator, ServiceFixture.operator] {
            let context = VarlinkCallContext(credentials: peer, connectionID: 1)
            for call in calls {
                let normal = await fixture.dispatcher.collectReplies(to: call, context: context)
                guard let work = fixture.dispatcher.answerOffLoop(call, context: context) else { continue }
                answeredOnPool += 1
                #expect([work()] == normal, "\(call.method) \(call.parameters)")
            }
        }
        #expect(answeredOnPool == 4 * calls.count)
        // No role: the normal path refuses it with PermissionDenied.
        let stranger = VarlinkCallContext(credentials: ServiceFixture.stranger, connectionID: 1)
        #expect(fixture.dispatcher.answerOffLoop(calls[0], context: stranger) == nil)
        // A parameter of the wrong type is the normal path's to name.
        let wrongType = VarlinkCall(method: Self.audit + "GetInclusionProof", parameters: ["index": "0", "treeSize": 1])
        #expect(fixture.dispatcher.answerOffLoop(wrongType, context: VarlinkCallContext(credentials: ServiceFixture.bank, connectionID: 1)) == nil)
    }
}
