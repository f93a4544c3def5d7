import Foundation
import Testing

/// The vectors in Fixtures/signed-note-vectors.json.
struct NoteVectors {
    struct C2SPExample {
        let vkey: String
        let note: String
    }

    struct GoExample {
        let skey: String
        let vkey: String
        let text: String
        let signature: String
    }

    let c2sp: C2SPExample
    let go: GoExample

    static let shared: NoteVectors = {
        struct Entry: Decodable {
            let source: String
            let vkey: String
            let note: String?
            let skey: String?
            let text: String?
            let signature: String?
            let verifies: Bool
        }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/signed-note-vectors.json")
        let entries = try! JSONDecoder().decode([Entry].self, from: Data(contentsOf: url))
        let c2sp = entries.first { $0.source.hasPrefix("c2sp.org") }!
        let go = entries.first { $0.source.hasPrefix("golang.org") }!
        precondition(c2sp.verifies && go.verifies)
        return NoteVectors(
            c2sp: C2SPExample(vkey: c2sp.vkey, note: c2sp.note!),
            go: GoExample(skey: go.skey!, vkey: go.vkey, text: go.text!, signature: go.signature!)
        )
    }()
}
