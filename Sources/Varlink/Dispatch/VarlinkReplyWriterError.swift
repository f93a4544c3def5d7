/// Misuse of a ``VarlinkReplyWriter``.
public enum VarlinkReplyWriterError: Error, Sendable, Hashable {
    /// The call has already had its final reply.
    case alreadyReplied
}
