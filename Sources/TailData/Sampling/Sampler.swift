/// The order in which one epoch visits a dataset. Every order is a pure function of the seed and
/// the epoch number, so it does not depend on threads or on which epochs were drawn before.
public protocol Sampler: Sendable {
    /// Number of indices one epoch yields.
    var epochLength: Int { get }
    /// The indices of epoch `epoch` (0-based), each in 0..<dataset size.
    func indices(epoch: Int) -> [Int]
}

extension Sampler {
    /// The epoch cut into batches of `batchSize`; with `dropLast` the short final batch is left out.
    public func batches(epoch: Int, batchSize: Int, dropLast: Bool) throws -> [[Int]] {
        try SamplerBatching.batches(indices(epoch: epoch), batchSize: batchSize, dropLast: dropLast)
    }
}

extension SeededGenerator {
    /// The generator of one epoch (or one stream position) of a sampler.
    static func samplerStream(seed: UInt64, stream: Int) -> SeededGenerator {
        SeededGenerator(seed: seed).fork(UInt64(bitPattern: Int64(stream)))
    }
}
