import Foundation
import TailData

/// The data of a semi-supervised run, split as DASO splits it (`DASOSplit`, spec §1.1-1.2): a balanced
/// validation split (`num-valid`), then per class N_1 labeled and M_1 unlabeled images, then each side
/// made long-tailed with γ_l and γ_u (reversed ranking for a negative `imb-unlabeled`). The unlabeled
/// images keep their true labels, used only to log the pseudo-labels' precision and recall.
/// Fashion-MNIST, MNIST, CIFAR-10/100 split this way.
///
/// STL-10 (`build_stl10_dataset`): the validation split and the labeled imbalance come from the 5000
/// `train` images; the unlabeled set is all 100,000 images of `unlabeled_X.bin`, labels unknown (-1),
/// held once as uint8 (2.7 GB) and augmented per batch. Every view is resized 96 -> 32
/// (`DATASET.RESOLUTION`, `resolution`); validation and test are resized once here (their evaluation
/// transform is only the resize), normalised with CIFAR-10's statistics as the reference does.
///
/// ```swift
/// let data = try SSLData.make(from: loaded, config: run)
/// print(data.labeled.classCounts())      // 1500, 899, 539, ... for N_1 = 1500, γ_l = 100
/// ```
public struct SSLData {
    public var labeled: ImageSet
    public var unlabeled: ImageSet
    /// The balanced validation split (`num-valid`): evaluated beside the test set, and DARP estimates
    /// the unlabeled distribution with it.
    public var validation: ImageSet
    public var test: ImageSet
    public var normalization: ImageNormalization
    /// The side every training view is resized to (STL-10: 32), nil for the images' own size.
    public var resolution: Int?
    /// False for STL-10, whose unlabeled images have no labels: no pseudo-label precision or recall.
    public var unlabeledLabelsKnown = true
    /// DARP's target unlabeled class counts when known before training (the count rule, or
    /// `--darp-estimate`), nil when DARP estimates them itself during its warm-up.
    public var darpTarget: [Double]?

    public init(labeled: ImageSet, unlabeled: ImageSet, validation: ImageSet, test: ImageSet, normalization: ImageNormalization) {
        self.labeled = labeled
        self.unlabeled = unlabeled
        self.validation = validation
        self.test = test
        self.normalization = normalization
    }

    public static func make(from data: LoadedDataset, config: SSLRunConfig) throws -> SSLData {
        try checkDataset(data.name)
        if data.name == .stl10 {
            // The supervised baseline drops the unlabeled set (as the reference does), so its 2.7 GB are not read.
            let unlabeled = config.ssl.algorithm == .supervised
                ? ImageSet(images: [], labels: [], height: data.train.height, width: data.train.width, channels: data.train.channels,
                           classNames: data.train.classNames)
                : try STL10.load(split: .unlabeled, root: config.base.dataDir ?? ".")
            return try stl10(from: data, unlabeled: unlabeled, config: config)
        }
        let ssl = config.ssl
        let classes = data.train.numClasses
        try checkHeads(ssl, counts: data.train.classCounts(), dataset: data.name.rawValue)
        let split = try DASOSplit.cifar(labels: data.train.labels, classes: classes, config: DASOSplit.Config(
            labeledHead: ssl.labeledHead, unlabeledHead: ssl.unlabeledHead, labeledRatio: ssl.imbLabeled,
            unlabeledRatio: Swift.abs(ssl.imbUnlabeled), reverseUnlabeled: ssl.reversedUnlabeled, numValid: ssl.numValid,
            seed: UInt32(truncatingIfNeeded: config.base.randNumber)))
        let labeled = data.train.subset(split.labeled), unlabeled = data.train.subset(split.unlabeled)
        try checkBatches(config, labeled: labeled.count, unlabeled: unlabeled.count)
        var out = SSLData(labeled: labeled, unlabeled: unlabeled, validation: data.train.subset(split.validation), test: data.test,
                          normalization: normalization(of: data))
        // DARP's count rule: the unlabeled split has the labeled distribution (γ_u = γ_l, not reversed).
        let matched = ssl.imbUnlabeled == ssl.imbLabeled
        out.darpTarget = try darpTarget(ssl, classes: classes, unlabeledTotal: unlabeled.count,
                                        countRule: matched ? unlabeled.classCounts().map(Double.init) : nil)
        try checkDARP(ssl, out)
        return out
    }

    /// STL-10 from its train and test sets and the `unlabeled` split (labels -1).
    public static func stl10(from data: LoadedDataset, unlabeled: ImageSet, config: SSLRunConfig) throws -> SSLData {
        let ssl = config.ssl
        try checkHeads(ssl, counts: data.train.classCounts(), dataset: data.name.rawValue, unlabeledFromTrain: false)
        let split = try DASOSplit.stl10(labels: data.train.labels, classes: data.train.numClasses, config: DASOSplit.Config(
            labeledHead: ssl.labeledHead, unlabeledHead: 0, labeledRatio: ssl.imbLabeled, unlabeledRatio: 1,
            reverseUnlabeled: false, numValid: ssl.numValid, seed: UInt32(truncatingIfNeeded: config.base.randNumber)))
        let labeled = data.train.subset(split.labeled)
        try checkBatches(config, labeled: labeled.count, unlabeled: unlabeled.count)
        let side = stl10Resolution
        var out = SSLData(labeled: labeled, unlabeled: unlabeled,
                          validation: data.train.subset(split.validation).resized(height: side, width: side),
                          test: data.test.resized(height: side, width: side), normalization: .dasoSTL10)
        out.resolution = side
        out.unlabeledLabelsKnown = false
        out.darpTarget = try darpTarget(ssl, classes: data.train.numClasses, unlabeledTotal: unlabeled.count, countRule: nil)
        try checkDARP(ssl, out)
        return out
    }

    /// DASO's `DATASET.RESOLUTION` for STL-10.
    public static let stl10Resolution = 32

    /// The data sets split here.
    public static let supported: [DatasetName] = [.fmnist, .mnist, .cifar10, .cifar100, .stl10]

    static func checkDataset(_ name: DatasetName) throws {
        guard supported.contains(name) else {
            throw TailKitError.invalidOption("tailkit ssl splits \(supported.map(\.rawValue).joined(separator: ", ")) as DASO splits them; --dataset \(name.rawValue) is not supported yet")
        }
    }

    /// DARP's target: the count rule when the unlabeled distribution is the labeled one (`countRule`),
    /// else `--darp-estimate`'s counts scaled to the unlabeled total (the reference's `darp_estim`
    /// files), else nil (estimated during the run).
    static func darpTarget(_ ssl: SSLConfig, classes: Int, unlabeledTotal: Int, countRule: [Double]?) throws -> [Double]? {
        guard ssl.imbalance == .darp else { return nil }
        if let countRule {
            if let file = ssl.darpEstimate {
                FileHandle.standardError.write(Data("note: --darp-estimate \(file) is not used: the unlabeled split has the labeled distribution (--imb-unlabeled = --imb-labeled), so DARP's target is its class counts\n".utf8))
            }
            return countRule
        }
        guard let file = ssl.darpEstimate else { return nil }
        let counts = try DARPEstimateFile.counts(path: file, classes: classes, unlabeledTotal: unlabeledTotal)
        // As the reference prints its scaled distribution.
        FileHandle.standardError.write(Data("DARP: target unlabeled counts from \(file), scaled to \(unlabeledTotal): \(counts.map { String(format: "%.1f", $0) }.joined(separator: " "))\n".utf8))
        return counts
    }

    static func checkDARP(_ ssl: SSLConfig, _ data: SSLData) throws {
        if ssl.imbalance == .darp && data.darpTarget == nil && data.validation.count == 0 {
            throw TailKitError.invalidOption("--imbalance darp needs the unlabeled class counts, which differ from the labeled ones here: give --darp-estimate FILE, or a positive --num-valid for its own estimate on the validation split")
        }
    }

    /// N_1 (+ M_1, when the unlabeled images come from the training set) must fit in every class after
    /// the validation split, as DASO assumes.
    static func checkHeads(_ ssl: SSLConfig, counts: [Int], dataset: String, unlabeledFromTrain: Bool = true) throws {
        let perClassValid = ssl.numValid / max(1, counts.count)
        guard let smallest = counts.min() else { return }
        let available = smallest - perClassValid
        let smallestClass = counts.firstIndex(of: smallest) ?? 0
        let origin = "\(dataset) has \(available) training images in its smallest class (class \(smallestClass): \(smallest), less \(perClassValid) held out for validation by --num-valid \(ssl.numValid))"
        if ssl.labeledHead > available {
            throw TailKitError.invalidOption("--labeled-head \(ssl.labeledHead) is larger than the data: \(origin)")
        }
        if unlabeledFromTrain && ssl.algorithm != .supervised && ssl.labeledHead + ssl.unlabeledHead > available {
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

    /// DASO's constants for CIFAR; other sets keep their own (STL-10's are CIFAR-10's).
    public static func normalization(of data: LoadedDataset) -> ImageNormalization {
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
        let weak = try AugmentPipeline.named("weak-reflect", inputHeight: data.labeled.height, inputWidth: data.labeled.width,
                                             outputSize: data.resolution)
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
            let pipelines = try Self.unlabeledPipelines(views, data: data, raFirst: config.ssl.stl10RAFirst)
            unlabeled = try DataLoaderStream(DataLoader(shuffling: data.unlabeled, batchSize: Int(Double(base.batchSize) * config.ssl.mu),
                                                        dropLast: true, views: pipelines, normalization: data.normalization,
                                                        seed: seed ^ 0x5DEE_CE66_D1CE_5EED, workers: base.workers,
                                                        prefetch: max(2, 2 * base.workers)))
        } else {
            unlabeled = nil
        }
    }

    /// The base's unlabeled views, resized to `data.resolution` when it is set. A resized strong view
    /// runs RandAugment + Cutout after the resize (`strong-after-resize`), unless `raFirst` (`--stl10-ra-first`)
    /// asks for the reference's order, before it (`ra_first=True` in `lib/dataset/transform/build.py`:
    /// the 16 px Cutout then shrinks to about 5 px).
    static func unlabeledPipelines(_ views: String, data: SSLData, raFirst: Bool) throws -> [AugmentPipeline] {
        let (h, w) = (data.unlabeled.height, data.unlabeled.width)
        return try AugmentPipeline.views(views, inputHeight: h, inputWidth: w, outputSize: data.resolution).map { view in
            guard view.name == "strong", data.resolution != nil, !raFirst else { return view }
            return try AugmentPipeline.named("strong-after-resize", inputHeight: h, inputWidth: w, outputSize: data.resolution)
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
