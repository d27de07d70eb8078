import Foundation

/// How much each class is worth when drawing samples with replacement.
public enum ClassSamplingWeight: Sendable, Equatable {
    /// (1 - beta) / (1 - beta^n): the class-balanced weight of Cui et al. (imbalanced-semi-self's
    /// `Resample` uses beta = 0.9999, DASO's class-aware sampler 0.999). Class mass ~ n * weight.
    case effectiveNumber(beta: Double)
    /// 1 / n: exactly class-balanced (DASO's sampler when beta >= 1).
    case inverseFrequency
    /// 1 / sqrt(n): class probability proportional to sqrt(n) (square-root sampling).
    case squareRoot

    /// The weight of one sample of a class with `n` training images (n >= 1).
    public func perSample(classCount n: Int) -> Double {
        switch self {
        case .effectiveNumber(let beta):
            return beta < 1 ? (1 - beta) / (1 - pow(beta, Double(n))) : 1 / Double(n)
        case .inverseFrequency:
            return 1 / Double(n)
        case .squareRoot:
            return 1 / Double(n).squareRoot()
        }
    }
}

/// Draws `epochLength` indices with replacement, each with probability proportional to the
/// weight of its class (imbalanced-semi-self `utils.py` `ImbalancedDatasetSampler` for `--train_rule Resample`,
/// DASO `lib/dataset/loader/class_aware_sampler.py` for labeled data, square-root sampling).
public struct ResampleSampler: Sampler {
    public let epochLength: Int
    public let seed: UInt64
    /// Probability that one draw lands in each class.
    public let classProbabilities: [Double]
    /// Running sums of the per-sample weights; a draw is a binary search in it.
    private let cumulative: [Double]

    public init(labels: [Int], classes: Int, weighting: ClassSamplingWeight,
                epochLength: Int? = nil, seed: UInt64) throws {
        var counts = [Int](repeating: 0, count: classes)
        for (i, label) in labels.enumerated() {
            guard label >= 0 && label < classes else {
                throw DataError.labelOutOfRange(path: "resample sampler", index: i, label: label,
                                                validRange: "0..<\(classes)")
            }
            counts[label] += 1
        }
        let classWeight = counts.map { $0 > 0 ? weighting.perSample(classCount: $0) : 0 }
        var running = 0.0
        cumulative = labels.map { running += classWeight[$0]; return running }
        guard running > 0, running.isFinite else {
            throw DataError.invalidArgument("resample sampler: sample weights sum to \(running)")
        }
        classProbabilities = counts.indices.map { Double(counts[$0]) * classWeight[$0] / running }
        let length = epochLength ?? labels.count
        guard length >= 0 else { throw DataError.invalidArgument("resample sampler: negative epoch length \(length)") }
        self.epochLength = length
        self.seed = seed
    }

    public func indices(epoch: Int) -> [Int] {
        var rng = SeededGenerator.samplerStream(seed: seed, stream: epoch)
        let total = cumulative[cumulative.count - 1]
        return cumulative.withUnsafeBufferPointer { cum in
            (0..<epochLength).map { _ in
                let target = rng.uniform() * total
                var low = 0, high = cum.count - 1
                while low < high {
                    let mid = (low + high) / 2
                    if cum[mid] > target { high = mid } else { low = mid + 1 }
                }
                return low
            }
        }
    }
}
