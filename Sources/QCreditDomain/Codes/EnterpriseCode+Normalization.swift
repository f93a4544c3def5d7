extension EnterpriseCode {
    /// Normalises user input before validation: removes all white space (leading, trailing
    /// and inside) and hyphens or dashes, maps full-width forms to ASCII, and upper-cases
    /// ASCII letters.
    ///
    /// Codes are copied from Chinese documents, where they appear with full-width digits and
    /// letters (U+FF01–U+FF5E), ideographic spaces (U+3000), full-width hyphens (U+FF0D) or
    /// the dash GB 11714 prints between body and check character; and from web pages, where
    /// invisible zero-width characters (U+200B–U+200D, U+2060, U+FEFF) come along. All of
    /// these are removed or mapped. Nothing else is changed, so that a stray character is
    /// reported at its position rather than silently dropped.
    ///
    /// ```swift
    /// EnterpriseCode.normalize(" ９１１５２２０１０７８３７９４１ｘ１ ")  // "9115220107837941X1"
    /// EnterpriseCode.normalize("07837941－x")                            // "07837941X"
    /// ```
    public static func normalize(_ input: String) -> String {
        // A code as it is usually sent (digits and capitals only) is already normal.
        if input.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) }) { return input }
        var output = String.UnicodeScalarView()
        for original in input.unicodeScalars {
            var scalar = original
            // Full-width ASCII variants: U+FF01…U+FF5E are U+0021…U+007E shifted by 0xFEE0.
            if (0xFF01...0xFF5E).contains(scalar.value) {
                scalar = Unicode.Scalar(scalar.value - 0xFEE0)!
            }
            if scalar.properties.isWhitespace || scalar.properties.isDash || droppedScalars.contains(scalar.value) {
                continue
            }
            if (0x61...0x7A).contains(scalar.value) {  // a–z
                scalar = Unicode.Scalar(scalar.value - 0x20)!
            }
            output.append(scalar)
        }
        return String(output)
    }

    // Beside white space (U+3000 included) and every dash (U+002D, U+2010–U+2015, U+2212, the
    // wave dashes, the small and vertical forms…), both dropped by their Unicode property: the
    // soft hyphen and the invisible zero-width characters a web page copies along.
    private static let droppedScalars: Set<UInt32> = [0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]
}
