import Foundation

/// Round trips of calls made one at a time: their rate and percentiles.
struct RoundTrips {
    /// Each call's round trip in seconds, in call order.
    let seconds: [Double]
    /// The wall time the calls took together.
    let wall: Double

    private var sorted: [Double] { seconds.sorted() }

    /// The round trip at fraction `p` (0.5 = the median), in microseconds.
    func percentile(_ p: Double) -> Double {
        let sorted = sorted
        return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1e6
    }

    var callsPerSecond: Double { wall > 0 ? Double(seconds.count) / wall : 0 }

    func line(_ what: String) -> String {
        String(
            format: "%@: %.0f calls/s; p50 %.0f µs, p99 %.0f µs, max %.0f µs (%d calls)", what, callsPerSecond, percentile(0.5),
            percentile(0.99), percentile(1), seconds.count)
    }

    /// `name-p50-us=… name-p99-us=… name-per-s=…`, for scripts.
    func figures(_ name: String) -> String {
        String(
            format: "%@-p50-us=%.1f %@-p99-us=%.1f %@-per-s=%.1f", name, percentile(0.5), name, percentile(0.99), name,
            callsPerSecond)
    }
}
