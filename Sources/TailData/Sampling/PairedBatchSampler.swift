/// FixMatch/DASO loading (DASO `lib/dataset/loader/build.py`, `RandomSampler`): every training step takes `labeledBatch` labeled and
/// `mu * labeledBatch` unlabeled indices. Each side is an endless run of independent random
/// permutations of its set laid end to end, so a batch may straddle two passes and each side
/// reshuffles on its own schedule. Step s is a pure function of (seed, s).
public struct PairedBatchSampler: Sendable {
    public let labeledBatch: Int
    public let unlabeledBatch: Int
    private var labeled: PermutationChain
    private var unlabeled: PermutationChain

    /// `mu` is DASO's `UNLABELED_BATCH_RATIO`; the unlabeled batch is int(labeledBatch * mu).
    public init(labeledCount: Int, unlabeledCount: Int, labeledBatch: Int, mu: Double, seed: UInt64) throws {
        let unlabeledBatch = Int(Double(labeledBatch) * mu)
        guard labeledCount >= 1, unlabeledCount >= 1, labeledBatch >= 1, unlabeledBatch >= 1 else {
            throw DataError.invalidArgument(
                "paired sampler: sets of \(labeledCount) and \(unlabeledCount) with batches \(labeledBatch) "
                + "and \(unlabeledBatch) must all be positive")
        }
        self.labeledBatch = labeledBatch
        self.unlabeledBatch = unlabeledBatch
        // Distinct seeds so the two sides never walk in lockstep when the sets have equal size.
        labeled = PermutationChain(count: labeledCount, seed: seed)
        unlabeled = PermutationChain(count: unlabeledCount, seed: seed ^ 0x5DEE_CE66_D1CE_5EED)
    }

    /// The indices of training step `step` (0-based).
    public mutating func batch(step: Int) -> (labeled: [Int], unlabeled: [Int]) {
        (labeled.take(from: step * labeledBatch, count: labeledBatch),
         unlabeled.take(from: step * unlabeledBatch, count: unlabeledBatch))
    }
}

/// Permutation k of 0..<count comes from stream k of the seed; the last one is kept for reuse.
private struct PermutationChain: Sendable {
    let count: Int
    let seed: UInt64
    var cachedPass = -1
    var cached: [Int] = []

    init(count: Int, seed: UInt64) {
        self.count = count
        self.seed = seed
    }

    mutating func take(from start: Int, count wanted: Int) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(wanted)
        var position = start
        while out.count < wanted {
            let pass = position / count, offset = position % count
            let order = permutation(pass)
            let n = min(wanted - out.count, count - offset)
            out.append(contentsOf: order[offset..<(offset + n)])
            position += n
        }
        return out
    }

    private mutating func permutation(_ pass: Int) -> [Int] {
        if pass != cachedPass {
            var rng = SeededGenerator.samplerStream(seed: seed, stream: pass)
            var order = Array(0..<count)
            rng.shuffle(&order)
            cached = order
            cachedPass = pass
        }
        return cached
    }
}
