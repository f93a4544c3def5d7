/// Number text as RFC 8785 §3.2.2.3 prescribes it: the ECMAScript `Number.prototype.toString`
/// algorithm (ECMA-262 Number::toString, radix 10).
///
/// The digits are the shortest that round-trip to the same double, nearest to it when several
/// are equally short. Swift's `Double.description` computes exactly those digits, so this takes
/// them (and their decimal exponent) from `description` and only re-does the layout, which
/// differs: Swift writes `1e+16`, `1e-05` and `100.0`, ECMAScript `10000000000000000`, `0.00001`
/// and `100`.
enum ECMAScriptNumberFormatting {
    /// Appends the ECMAScript form of a finite `value`. Both zeros are written as `0`.
    static func append(_ value: Double, to output: inout [UInt8]) {
        if value == 0 {
            output.append(UInt8(ascii: "0"))
            return
        }
        if value < 0 { output.append(UInt8(ascii: "-")) }

        // Decompose Swift's text, `ddd.ddd` or `d.ddde±xx`, into significant digits and the
        // position n of the decimal point relative to them (value = 0.d₁d₂…d_k × 10ⁿ).
        var digits: [UInt8] = []
        digits.reserveCapacity(17)
        var integerDigitCount = 0
        var sawPoint = false
        var exponent = 0
        var exponentNegative = false
        var inExponent = false
        for byte in value.magnitude.description.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if inExponent {
                    exponent = exponent * 10 + Int(byte &- UInt8(ascii: "0"))
                } else {
                    digits.append(byte)
                    if !sawPoint { integerDigitCount += 1 }
                }
            case UInt8(ascii: "."): sawPoint = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            case UInt8(ascii: "-"): exponentNegative = true
            default: break  // "+"
            }
        }
        var pointPosition = integerDigitCount + (exponentNegative ? -exponent : exponent)
        let leadingZeros = digits.prefix(while: { $0 == UInt8(ascii: "0") }).count
        pointPosition -= leadingZeros
        let trailingZeros = digits.reversed().prefix(while: { $0 == UInt8(ascii: "0") }).count
        let significant = digits[leadingZeros..<(digits.count - trailingZeros)]
        appendLayout(significant, pointPosition: pointPosition, to: &output)
    }

    /// ECMA-262 Number::toString steps 6–10 for digits `s` (k of them) and point position `n`.
    private static func appendLayout(_ s: ArraySlice<UInt8>, pointPosition n: Int, to output: inout [UInt8]) {
        let k = s.count
        let zero = UInt8(ascii: "0")
        if k <= n && n <= 21 {
            // Integer up to 21 digits: the digits, then n − k zeros.
            output.append(contentsOf: s)
            output.append(contentsOf: repeatElement(zero, count: n - k))
        } else if 0 < n && n <= 21 {
            // Point inside the digits.
            output.append(contentsOf: s.prefix(n))
            output.append(UInt8(ascii: "."))
            output.append(contentsOf: s.dropFirst(n))
        } else if -6 < n && n <= 0 {
            // Small number written as 0.000ddd (at most six zeros after the point).
            output.append(zero)
            output.append(UInt8(ascii: "."))
            output.append(contentsOf: repeatElement(zero, count: -n))
            output.append(contentsOf: s)
        } else {
            // Exponential: d[.ddd]e±x with exponent n − 1.
            output.append(s[s.startIndex])
            if k > 1 {
                output.append(UInt8(ascii: "."))
                output.append(contentsOf: s.dropFirst())
            }
            output.append(UInt8(ascii: "e"))
            let exponent = n - 1
            output.append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            appendDecimal(UInt64(exponent.magnitude), to: &output)
        }
    }

    /// Appends an integer in decimal without going through `String`.
    static func appendDecimal(_ value: Int64, to output: inout [UInt8]) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        appendDecimal(value.magnitude, to: &output)
    }

    static func appendDecimal(_ value: UInt64, to output: inout [UInt8]) {
        if value < 10 {
            output.append(UInt8(ascii: "0") &+ UInt8(value))
            return
        }
        var remaining = value
        let start = output.count
        while remaining > 0 {
            let (quotient, digit) = remaining.quotientAndRemainder(dividingBy: 10)
            output.append(UInt8(ascii: "0") &+ UInt8(digit))
            remaining = quotient
        }
        output[start...].reverse()
    }
}
