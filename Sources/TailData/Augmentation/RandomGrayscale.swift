extension AugImage {
    /// `RandomGrayscale(p)`: with probability p, luma replicated to every channel.
    public func randomGrayscale(probability p: Double, using rng: inout SeededGenerator) -> AugImage {
        rng.uniform() < p ? grayscaled(outputChannels: channels) : self
    }
}
