import Testing
import Varlink

@Suite struct LogThrottleTests {
    @Test func theFirstOfAKindIsLoggedThenOneAnIntervalWithTheNumberLeftOut() {
        let throttle = LogThrottle<String>(interval: .seconds(1))
        let start = ContinuousClock.now
        #expect(throttle.admit("limit", at: start) == 0)
        #expect(throttle.admit("limit", at: start + .milliseconds(100)) == nil)
        #expect(throttle.admit("limit", at: start + .milliseconds(999)) == nil)
        // Kinds are counted apart.
        #expect(throttle.admit("too large", at: start + .milliseconds(500)) == 0)
        #expect(throttle.admit("limit", at: start + .seconds(1)) == 2)
        #expect(throttle.admit("limit", at: start + .milliseconds(1500)) == nil)
        #expect(throttle.admit("limit", at: start + .seconds(10)) == 1)
        #expect(throttle.admit("limit", at: start + .seconds(20)) == 0)
    }

    /// A burst that ends has no next event to carry its count: it is handed over once the
    /// interval has passed, once.
    @Test func whatABurstLeftOutIsHandedOverOnceItsIntervalHasPassed() {
        let throttle = LogThrottle<String>(interval: .seconds(1))
        let start = ContinuousClock.now
        #expect(throttle.admit("limit", at: start) == 0)
        #expect(throttle.admit("too large", at: start) == 0)
        for step in 1...19 { #expect(throttle.admit("limit", at: start + .milliseconds(step * 10)) == nil) }
        #expect(throttle.leftOut(at: start + .milliseconds(900)).isEmpty)
        let due = throttle.leftOut(at: start + .seconds(1))
        #expect(due.map(\.kind) == ["limit"] && due.map(\.count) == [19])
        #expect(throttle.leftOut(at: start + .seconds(5)).isEmpty)
        // Handed over counts as logged: the next event within the interval is left out again.
        #expect(throttle.admit("limit", at: start + .milliseconds(1500)) == nil)
        #expect(throttle.admit("limit", at: start + .seconds(3)) == 1)
    }
}
