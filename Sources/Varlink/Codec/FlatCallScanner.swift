import CanonicalJSON

/// Reads the common shape of a call without building JSON values: an object whose members
/// are `method` (a string) and `parameters` (an object whose members are all strings), every
/// string printable ASCII without escapes, JSON whitespace allowed between tokens.
///
/// Anything else (another member, an escape, a number, a repeated name, a byte outside
/// printable ASCII) returns nil and the full parser decides. So what this accepts decodes
/// exactly as the parser would decode it, and it is only ever a shortcut: a point read such as
/// `{"method":"org.example.Get","parameters":{"code":"91350100M000100Y43"}}` skips the
/// parser's value tree, its name bookkeeping and the message dictionary.
enum FlatCallScanner {
    static func scan(_ bytes: UnsafeRawBufferPointer) -> VarlinkCall? {
        var scanner = Cursor(bytes: bytes)
        return scanner.call()
    }

    private struct Cursor {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        mutating func call() -> VarlinkCall? {
            guard expect(UInt8(ascii: "{")) else { return nil }
            var method: String?
            var parameters: [String: JSONValue]?
            repeat {
                guard let name = string() else { return nil }
                guard expect(UInt8(ascii: ":")) else { return nil }
                switch name {
                case "method" where method == nil:
                    guard let value = string() else { return nil }
                    method = value
                case "parameters" where parameters == nil:
                    guard let value = stringMembers() else { return nil }
                    parameters = value
                default:
                    return nil
                }
            } while expect(UInt8(ascii: ","))
            guard expect(UInt8(ascii: "}")), let method else { return nil }
            skipWhitespace()
            guard position == bytes.count else { return nil }
            return VarlinkCall(method: method, parameters: parameters ?? [:])
        }

        /// `{}` or `{"name": "value", …}` with distinct names.
        private mutating func stringMembers() -> [String: JSONValue]? {
            guard expect(UInt8(ascii: "{")) else { return nil }
            var members: [String: JSONValue] = [:]
            if expect(UInt8(ascii: "}")) { return members }
            repeat {
                guard let name = string(), expect(UInt8(ascii: ":")), let value = string(),
                    members.updateValue(.string(value), forKey: name) == nil
                else { return nil }
            } while expect(UInt8(ascii: ","))
            return expect(UInt8(ascii: "}")) ? members : nil
        }

        /// A string of printable ASCII other than `"` and `\`, after optional whitespace.
        private mutating func string() -> String? {
            guard expect(UInt8(ascii: "\"")) else { return nil }
            let start = position
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                    position += 1
                    return text
                }
                guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") else { return nil }
                position += 1
            }
            return nil
        }

        /// Skips whitespace, then consumes `byte` if it comes next.
        private mutating func expect(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        private mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): position += 1
                default: return
                }
            }
        }
    }
}
