import Foundation
import TailData

/// The data of a semi-supervised run, split as DASO splits CIFAR (`DASOSplit`, spec §1.1): a balanced
/// validation split (`num-valid`, kept out and not evaluated), then per class N_1 labeled and M_1
/// unlabeled images, then each side made long-tailed with γ_l and γ_u (reversed ranking for a negative
/// `imb-unlabeled`). The unlabeled images keep their true labels, used only to log the pseudo-labels'
/// precision and recall. Fashion-MNIST, MNIST, CIFAR-10/100 split this way.
///
/// ```swift
/// let data = try SSLData.make(from: loaded, config: run)
/// print(data.labeled.classCounts())      // 1500, 899, 539, ... for N_1 = 1500, γ_l = 100
/// ```
public struct SSLData {
    public var labeled: ImageSet
    public var unlabeled: ImageSet
    /// The balanced validation split (`num-valid`): not evaluated, but DARP estimates the unlabeled
    /// distribution with it.
    public var validation: ImageSet
    public var test: ImageSet
    public var normalization: ImageNormalization

    public init(labeled: ImageSet, unlabeled: ImageSet, validation: ImageSet, test: ImageSet, normalization: ImageNormalization) {
        self.labeled = labeled
        self.unlabeled = unlabeled
        self.validation = validation
        self.test = test
        self.normalization = normalization
    }

    public static func make(from data: LoadedDataset, config: SSLRunConfig) throws -> SSLData {
        let ssl = config.ssl
        try checkDataset(data.name)
        let classes = data.train.numClasses
        try checkHeads(ssl, counts: data.train.classCounts(), dataset: data.name.rawValue)
        let split = try DASOSplit.cifar(labels: data.train.labels, classes: classes, config: DASOSplit.Config(
            labeledHead: ssl.labeledHead, unlabeledHead: ssl.unlabeledHead, labeledRatio: ssl.imbLabeled,
            unlabeledRatio: Swift.abs(ssl.imbUnlabeled), reverseUnlabeled: ssl.reversedUnlabeled, numValid: ssl.numValid,
            seed: UInt32(truncatingIfNeeded: config.base.randNumber)))
        let labeled = data.train.subset(split.labeled), unlabeled = data.train.subset(split.unlabeled)
        try checkBatches(config, labeled: labeled.count, unlabeled: unlabeled.count)
        if ssl.imbalance == .darp && ssl.imbUnlabeled != ssl.imbLabeled && split.validation.isEmpty {
            throw TailKitError.invalidOption("--imbalance darp estimates an unlabeled distribution that differs from the labeled one on the validation split: --num-valid must be positive")
        }
        return SSLData(labeled: labeled, unlabeled: unlabeled, validation: data.train.subset(split.validation), test: data.test,
                       normalization: normalization(of: data))
    }

    /// The data sets split here.
    public static let supported: [DatasetName] = [.fmnist, .mnist, .cifar10, .cifar100]

    static func checkDataset(_ name: DatasetName) throws {
        guard supported.contains(name) else {
            throw TailKitError.invalidOption("tailkit ssl splits \(supported.map(\.rawValue).joined(separator: ", ")) as DASO splits CIFAR; --dataset \(name.rawValue) is not supported yet")
        }
    }

    /// N_1 (+ M_1) must fit in every class after the validation split, as DASO assumes.
    static func checkHeads(_ ssl: SSLConfig, counts: [Int], dataset: String) throws {
        let perClassValid = ssl.numValid / max(1, counts.count)
        guard let smallest = counts.min() else { return }
        let available = smallest - perClassValid
        let smallestClass = counts.firstIndex(of: smallest) ?? 0
        let origin = "\(dataset) has \(available) training images in its smallest class (class \(smallestClass): \(smallest), less \(perClassValid) held out for validation by --num-valid \(ssl.numValid))"
        if ssl.labeledHead > available {
            throw TailKitError.invalidOption("--labeled-head \(ssl.labeledHead) is larger than the data: \(origin)")
        }
        if ssl.algorithm != .supervised && ssl.labeledHead + ssl.unlabeledHead > available {
            throw TailKitError.invalidOption("--labeled-head \(ssl.labeledHead) + --unlabeled-head \(ssl.unlabeledHead) = \(ssl.labeledHead + ssl.unlabeledHead) images per class is larger than the data: \(origin)")
        }
    }

    static func checkBatches(_ config: SSLRunConfig, labeled: Int, unlabeled: Int) throws {
        let b = config.base.batchSize, u = Int(Double(b) * config.ssl.mu)
        if labeled < b {
            throw TailKitError.invalidOption("--batch-size \(b) exceeds the \(labeled) labeled images of the split (full batches only)")
        }
        if config.ssl.algorithm != .supervised && (u < 1 || unlabeled < u) {
            throw TailKitError.invalidOption("the unlabeled batch int(--batch-size \(b) x --mu \(config.ssl.mu)) = \(u) must be between 1 and the \(unlabeled) unlabeled images of the split")
        }
    }

    /// DASO's constants for CIFAR; other sets keep their own.
    static func normalization(of data: LoadedDataset) -> ImageNormalization {
        switch data.name {
        case .cifar10: return .dasoCIFAR10
        case .cifar100: return .dasoCIFAR100
        default: return data.normalization
        }
    }
}

/// One step's input: a labeled batch (weak view) and, for bases that use unlabeled data, an
/// unlabeled batch with the base's views.
public struct SSLBatch {
    public var labeled: Batch
    public var unlabeled: Batch?

    public init(labeled: Batch, unlabeled: Batch?) {
        self.labeled = labeled
        self.unlabeled = unlabeled
    }
}

/// The labeled loader and, when the base uses one, the unlabeled loader stepped together: each side an
/// endless run of fresh random permutations of its set (DASO's `RandomSampler`), full batches only.
/// Step s depends only on (seed, s), so a resumed run sees the batches of the uninterrupted one.
/// `classBalanced` draws the labeled side with replacement, each image weighted 1/n_c of its class
/// (DASO's `ClassAwareSampler`, for cRT's re-training), `labeled.count` draws per epoch.
public struct SSLBatchStream: BatchStream {
    let labeled: DataLoaderStream
    let unlabeled: DataLoaderStream?
    public var stepsPerEpoch: Int { labeled.stepsPerEpoch }

    public init(data: SSLData, config: SSLRunConfig, unlabeledViews: String?, classBalanced: Bool = false) throws {
        let base = config.base, seed = UInt64(truncatingIfNeeded: base.seed)
        let weak = try AugmentPipeline.named("weak-reflect", inputHeight: data.labeled.height, inputWidth: data.labeled.width)
        if classBalanced {
            let sampler = try ResampleSampler(labels: data.labeled.labels, classes: data.labeled.numClasses, weighting: .inverseFrequency, seed: seed)
            labeled = try DataLoaderStream(DataLoader(images: data.labeled, order: { sampler.indices(epoch: $0) }, batchSize: base.batchSize,
                                                      dropLast: true, views: [weak], normalization: data.normalization, seed: seed,
                                                      workers: base.workers, prefetch: max(2, 2 * base.workers)))
        } else {
            labeled = try DataLoaderStream(DataLoader(shuffling: data.labeled, batchSize: base.batchSize, dropLast: true, views: [weak],
                                                      normalization: data.normalization, seed: seed, workers: base.workers,
                                                      prefetch: max(2, 2 * base.workers)))
        }
        if let views = unlabeledViews {
            let pipelines = try AugmentPipeline.views(views, inputHeight: data.unlabeled.height, inputWidth: data.unlabeled.width)
            unlabeled = try DataLoaderStream(DataLoader(shuffling: data.unlabeled, batchSize: Int(Double(base.batchSize) * config.ssl.mu),
                                                        dropLast: true, views: pipelines, normalization: data.normalization,
                                                        seed: seed ^ 0x5DEE_CE66_D1CE_5EED, workers: base.workers,
                                                        prefetch: max(2, 2 * base.workers)))
        } else {
            unlabeled = nil
        }
    }

    public func batches(fromStep step: Int) throws -> AnyIterator<SSLBatch> {
        let l = try labeled.batches(fromStep: step), u = try unlabeled?.batches(fromStep: step)
        return AnyIterator {
            guard let a = l.next() else { return nil }
            guard let u else { return SSLBatch(labeled: a, unlabeled: nil) }
            guard let b = u.next() else { return nil }
            return SSLBatch(labeled: a, unlabeled: b)
        }
    }
}
