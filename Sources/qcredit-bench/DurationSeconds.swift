extension Duration {
    /// The duration in seconds, for the figures a benchmark prints.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
