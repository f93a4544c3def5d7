// `JSONValue.intValue` calls `Double.rounded(_:)`, which needs libm's `trunc` on Linux.
// Importing the C library records libm as an autolink dependency of this module, so a binary
// that links CanonicalJSON and nothing that imports Foundation still links.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
