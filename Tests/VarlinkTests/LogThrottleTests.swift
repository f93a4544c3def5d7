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
}
