import Testing

import CanonicalJSON

/// Parses `input` and expects the failure at `offset` with a reason containing `reason`.
func expectRejected(
    _ input: [UInt8], at offset: Int, _ reason: String, maxDepth: Int = 64,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        let value = try JSONValue.parse(input, maxDepth: maxDepth)
        Issue.record("accepted \(String(decoding: input.prefix(80), as: UTF8.self)) as \(value)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.offset == offset, "\(error)", sourceLocation: sourceLocation)
        #expect(error.reason.contains(reason), "\(error)", sourceLocation: sourceLocation)
    }
}

func expectRejected(
    _ input: String, at offset: Int, _ reason: String, maxDepth: Int = 64,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expectRejected(Array(input.utf8), at: offset, reason, maxDepth: maxDepth, sourceLocation: sourceLocation)
}

func canonicalText(_ value: JSONValue) throws -> String {
    String(decoding: try value.canonicalBytes(), as: UTF8.self)
}

func double(bits: UInt64) -> Double { Double(bitPattern: bits) }

/// Deterministic generator (SplitMix64) so random tests reproduce exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SeededGenerator {
    /// A string mixing ASCII, controls, BMP (both sides of the surrogate block) and non-BMP.
    mutating func string() -> String {
        let pools: [ClosedRange<UInt32>] = [0x20...0x7E, 0x00...0x1F, 0x7F...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...8, using: &self) {
            let pool = pools.randomElement(using: &self)!
            scalars.append(Unicode.Scalar(UInt32.random(in: pool, using: &self))!)
        }
        return String(scalars)
    }

    /// A random value whose doubles are never integral, so `.double` survives a round trip
    /// (an integral double is written without fraction and comes back as `.int`).
    mutating func value(depth: Int = 0) -> JSONValue {
        let choice = Int.random(in: 0..<10, using: &self)
        if depth < 4, choice < 2 {
            return .array((0..<Int.random(in: 0...4, using: &self)).map { _ in value(depth: depth + 1) })
        }
        if depth < 4, choice < 4 {
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &self) { members[string()] = value(depth: depth + 1) }
            return .object(members)
        }
        switch choice {
        case 4: return .string(string())
        case 5: return .int(Int64.random(in: Int64.min...Int64.max, using: &self))
        case 6:
            var number = Double(bitPattern: next())
            while !number.isFinite || number.rounded() == number { number = Double(bitPattern: next()) }
            return .double(number)
        case 7:
            var number = Double.random(in: -1e6..<1e6, using: &self)
            if number.rounded() == number { number += 0.25 }
            return .double(number)
        case 8: return .bool(Bool.random(using: &self))
        default: return .null
        }
    }
}
