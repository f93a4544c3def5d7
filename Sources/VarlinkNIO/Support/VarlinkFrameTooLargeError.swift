/// A peer sent a message longer than the configured maximum.
public struct VarlinkFrameTooLargeError: Error, Sendable, Hashable, CustomStringConvertible {
    public var limit: Int

    public init(limit: Int) {
        self.limit = limit
    }

    public var description: String { "message longer than \(limit) bytes" }
}
