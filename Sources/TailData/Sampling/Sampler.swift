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

/// Cutting an index order into batches.
public enum SamplerBatching {
    public static func batches(_ order: [Int], batchSize: Int, dropLast: Bool) throws -> [[Int]] {
        guard batchSize >= 1 else {
            throw DataError.invalidArgument("batching: batch size \(batchSize) must be at least 1")
        }
        var out: [[Int]] = []
        out.reserveCapacity(order.count / batchSize + 1)
        var start = 0
        while start < order.count {
            let end = min(start + batchSize, order.count)
            if end - start < batchSize && dropLast { break }
            out.append(Array(order[start..<end]))
            start = end
        }
        return out
    }

    /// Number of batches an epoch of `count` indices gives.
    public static func batchCount(_ count: Int, batchSize: Int, dropLast: Bool) -> Int {
        guard batchSize >= 1 else { return 0 }
        return dropLast ? count / batchSize : (count + batchSize - 1) / batchSize
    }
}

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

extension SeededGenerator {
    /// The generator of one epoch (or one stream position) of a sampler.
    static func samplerStream(seed: UInt64, stream: Int) -> SeededGenerator {
        SeededGenerator(seed: seed).fork(UInt64(bitPattern: Int64(stream)))
    }
}
