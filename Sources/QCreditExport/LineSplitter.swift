#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a stream of chunks into `\n`-terminated lines. A line inside one chunk is handed over
/// in place; only a line spanning chunks is copied, into a buffer bounded by `maximumLength`.
struct LineSplitter {
    let maximumLength: Int
    private var pending: [UInt8] = []
    private var overlong = false
    private var number: Int64 = 0

    init(maximumLength: Int) { self.maximumLength = maximumLength }

    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ deliver: (Int64, UnsafeRawBufferPointer?) -> Void) {
        guard let base = chunk.baseAddress else { return }
        var start = 0
        while start < chunk.count {
            guard let found = memchr(base + start, Int32(UInt8(ascii: "\n")), chunk.count - start) else {
                keep(UnsafeRawBufferPointer(rebasing: chunk[start...]))
                return
            }
            let end = base.distance(to: UnsafeRawPointer(found))
            let piece = UnsafeRawBufferPointer(rebasing: chunk[start..<end])
            number += 1
            if overlong || pending.count + piece.count > maximumLength {
                deliver(number, nil)
            } else if pending.isEmpty {
                deliver(number, piece)
            } else {
                pending.append(contentsOf: piece)
                pending.withUnsafeBytes { deliver(number, $0) }
            }
            pending.removeAll(keepingCapacity: pending.capacity <= 1 << 20)
            overlong = false
            start = end + 1
        }
    }

    /// Delivers the last line if it had no newline.
    mutating func finish(_ deliver: (Int64, UnsafeRawBufferPointer?) -> Void) {
        guard overlong || !pending.isEmpty else { return }
        number += 1
        if overlong { deliver(number, nil) } else { pending.withUnsafeBytes { deliver(number, $0) } }
        pending = []
        overlong = false
    }

    private mutating func keep(_ rest: UnsafeRawBufferPointer) {
        guard !overlong else { return }
        if pending.count + rest.count > maximumLength {
            overlong = true
            pending = []
        } else {
            pending.append(contentsOf: rest)
        }
    }
}
