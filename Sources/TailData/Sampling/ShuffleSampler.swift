/// Instance-balanced sampling: a fresh random permutation of the dataset every epoch.
public struct ShuffleSampler: Sampler {
    public let count: Int
    public let seed: UInt64

    public init(count: Int, seed: UInt64) throws {
        guard count >= 0 else { throw DataError.invalidArgument("shuffle sampler: negative dataset size \(count)") }
        self.count = count
        self.seed = seed
    }

    public var epochLength: Int { count }

    public func indices(epoch: Int) -> [Int] {
        var rng = SeededGenerator.samplerStream(seed: seed, stream: epoch)
        var order = Array(0..<count)
        rng.shuffle(&order)
        return order
    }
}
