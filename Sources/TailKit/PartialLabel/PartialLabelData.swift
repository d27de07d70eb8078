import Foundation
import TailData

/// The training data of a partial-label run: the long-tailed training set, its candidate sets and
/// the test set, built as RECORDS-LTPLL builds them (`utils/cifar10.py`, `utils/cifar100.py`).
///
/// The long-tailed subset and the candidate sets come from one numpy stream seeded with the data
/// seed `--rand-number`: per-class selection first, then one uniform draw per (sample, class).
/// The reference always seeds it with 0 (its dataset re-seeds numpy, whatever `--seed` says), which is
/// TailKit's default, so with 0 the sets are the reference's. With `--hierarchical` (CIFAR-100-LT-NU)
/// the class counts are first shuffled with Python's `random` seeded with `--seed`, as the reference
/// does, and siblings of the true class's superclass join with 8q.
///
/// ```swift
/// let data = try PartialLabelData.make(from: loaded, config: config, pll: pll)
/// print(data.candidates.averageSetSize())     // ≈ 1 + q (C − 1)
/// ```
public struct PartialLabelData {
    public var train: ImageSet
    public var test: ImageSet
    public var normalization: ImageNormalization
    public var candidates: CandidateLabels

    /// - Parameter candidatesFile: sets to read instead of generating them (a run folder's
    ///   `candidates.txt`, or `--candidates`), checked against the training set.
    public static func make(from data: LoadedDataset, config: TrainConfig, pll: PartialLabelConfig,
                            candidatesFile: String? = nil) throws -> PartialLabelData {
        var rng = NumpyRandomState(seed: UInt32(truncatingIfNeeded: config.randNumber))
        let train = try longTailed(data, config: config, hierarchical: pll.hierarchical, rng: &rng)
        let candidates: CandidateLabels
        if let file = candidatesFile ?? pll.candidates {
            candidates = try CandidateSetFile.read(file, classes: train.numClasses, trueLabels: train.labels)
        } else if pll.hierarchical {
            let superclassOf = try PartialLabels.cifar100Superclasses(fineNames: data.train.classNames)
            candidates = try PartialLabels.hierarchical(labels: train.labels, superclassOf: superclassOf, q: pll.partialRate, rng: &rng)
        } else {
            candidates = try PartialLabels.uniform(labels: train.labels, classes: train.numClasses, q: pll.partialRate, rng: &rng)
        }
        return PartialLabelData(train: train, test: data.test, normalization: normalization(of: data), candidates: candidates)
    }

    public init(train: ImageSet, test: ImageSet, normalization: ImageNormalization, candidates: CandidateLabels) {
        self.train = train
        self.test = test
        self.normalization = normalization
        self.candidates = candidates
    }

    /// Weak and strong views (`--augment`, `records` by default) of every training image, shuffled
    /// with `seed`, full batches only (the reference's `drop_last=True`).
    func twoViewStream(_ base: TrainConfig, seed: UInt64, method: String) throws -> DataLoaderStream {
        let views = try AugmentPipeline.views(base.augment, inputHeight: train.height, inputWidth: train.width)
        guard views.count == 2 else {
            throw TailKitError.invalidOption("\(method) needs two views (weak, strong); --augment \(base.augment) gives \(views.count)")
        }
        guard train.count >= base.batchSize else {
            throw TailKitError.invalidOption("--batch-size \(base.batchSize) exceeds the \(train.count) training images (the last partial batch is dropped)")
        }
        return try DataLoaderStream(DataLoader(shuffling: train, batchSize: base.batchSize, dropLast: true, views: views,
                                               normalization: normalization, seed: seed, workers: base.workers,
                                               prefetch: max(2, 2 * base.workers)))
    }

    /// The candidate-mask rows of `indices` as 0/1 floats, B×C row-major.
    func maskRows(_ indices: [Int]) -> [Float] {
        let c = candidates.classes
        return indices.flatMap { n in candidates.mask[(n * c)..<((n + 1) * c)].map { Float($0) } }
    }

    /// RECORDS' constants for CIFAR, for training and test alike: the reference normalises the
    /// CIFAR-10 test set with CIFAR-100's statistics (a bug, not reproduced); other sets keep theirs.
    static func normalization(of data: LoadedDataset) -> ImageNormalization {
        switch data.name {
        case .cifar10: return .recordsCIFAR10
        case .cifar100: return .recordsCIFAR100
        default: return data.normalization
        }
    }

    private static func longTailed(_ data: LoadedDataset, config: TrainConfig, hierarchical: Bool,
                                   rng: inout NumpyRandomState) throws -> ImageSet {
        guard hierarchical else {
            return try data.longTailed(imbFactor: config.imbFactor, imbType: config.imbType, rng: &rng).set
        }
        guard data.name == .cifar100 else {
            throw TailKitError.invalidOption("--hierarchical needs CIFAR-100's 20 superclasses; \(data.name.rawValue) has none (use --dataset cifar100, or uniform candidate sets)")
        }
        guard let profile = ImbalanceProfile(rawValue: config.imbType) else {
            throw TailKitError.invalidOption("unknown imbalance type '\(config.imbType)'")
        }
        let classes = data.train.numClasses
        let counts = try LongTail.counts(head: Double(data.train.count) / Double(classes), classes: classes,
                                         imbFactor: config.imbFactor, profile: profile)
        var python = PythonRandom(seed: config.seed)
        let shuffled = LongTail.shuffledCounts(counts, using: &python)
        return try LongTail.select(from: data.train, countsByRank: shuffled, rng: &rng).set
    }
}
