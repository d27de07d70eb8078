/// DASO's imbalanced semi-supervised split of one labelled training set (DASO `lib/dataset/cifar10.py`,
/// `cifar100.py` and `stl10.py`, with `make_imbalance` and `split_trainval` of `lib/dataset/utils.py`).
/// Every index points into the source set; each block is ordered class by class as DASO builds it.
public struct DASOSplit: Sendable, Equatable {
    /// N_1 and M_1 (`NUM_LABELED_HEAD`, `NUM_UNLABELED_HEAD`), gamma_l and gamma_u (ratios >= 1;
    /// 1 means no imbalance), the reversed-unlabeled flag, `NUM_VALID` and the seed.
    public struct Config: Sendable, Equatable {
        public var labeledHead: Int
        public var unlabeledHead: Int
        public var labeledRatio: Double
        public var unlabeledRatio: Double
        public var reverseUnlabeled: Bool
        public var numValid: Int
        public var seed: UInt32

        public init(labeledHead: Int, unlabeledHead: Int, labeledRatio: Double, unlabeledRatio: Double,
                    reverseUnlabeled: Bool = false, numValid: Int = 5000, seed: UInt32 = 0) {
            self.labeledHead = labeledHead
            self.unlabeledHead = unlabeledHead
            self.labeledRatio = labeledRatio
            self.unlabeledRatio = unlabeledRatio
            self.reverseUnlabeled = reverseUnlabeled
            self.numValid = numValid
            self.seed = seed
        }
    }

    public var labeled: [Int]
    /// Empty for STL-10, whose unlabeled images come from the separate `unlabeled` split.
    public var unlabeled: [Int]
    public var validation: [Int]
    public var labeledCounts: [Int]
    public var unlabeledCounts: [Int]

    /// CIFAR-10/100: validation split, labeled/unlabeled split, then each side made long-tailed.
    /// Each step restarts numpy's `RandomState(seed)`, as DASO does.
    public static func cifar(labels: [Int], classes: Int, config: Config) throws -> DASOSplit {
        try check(config, classes: classes)
        let (train, validation) = try trainAndValidation(labels: labels, classes: classes, config: config)
        var rng = NumpyRandomState(seed: config.seed)
        var labeled: [Int] = [], unlabeled: [Int] = []
        for var members in groupByClass(train, labels: labels, classes: classes) {
            rng.shuffle(&members)
            labeled.append(contentsOf: members.prefix(config.labeledHead))
            unlabeled.append(contentsOf: members.dropFirst(config.labeledHead).prefix(config.unlabeledHead))
        }
        let ranks = Array(0..<classes)
        if config.labeledRatio > 1 {
            labeled = try imbalance(labeled, labels: labels, classes: classes, head: config.labeledHead,
                                    ratio: config.labeledRatio, classOrder: ranks, seed: config.seed)
        }
        if config.unlabeledRatio > 1 {
            unlabeled = try imbalance(unlabeled, labels: labels, classes: classes, head: config.unlabeledHead,
                                      ratio: config.unlabeledRatio,
                                      classOrder: config.reverseUnlabeled ? ranks.reversed() : ranks,
                                      seed: config.seed)
        }
        return DASOSplit(labeled: labeled, unlabeled: unlabeled, validation: validation,
                         labeledCounts: countLabels(labeled, labels: labels, classes: classes),
                         unlabeledCounts: countLabels(unlabeled, labels: labels, classes: classes))
    }

    /// STL-10: validation split from `train`, then the labeled imbalance; the 100k unknown
    /// images are the unlabeled set as they are, so `unlabeled` stays empty here.
    public static func stl10(labels: [Int], classes: Int, config: Config) throws -> DASOSplit {
        try check(config, classes: classes)
        var (labeled, validation) = try trainAndValidation(labels: labels, classes: classes, config: config)
        if config.labeledRatio > 1 {
            labeled = try imbalance(labeled, labels: labels, classes: classes, head: config.labeledHead,
                                    ratio: config.labeledRatio, classOrder: Array(0..<classes), seed: config.seed)
        }
        return DASOSplit(labeled: labeled, unlabeled: [], validation: validation,
                         labeledCounts: countLabels(labeled, labels: labels, classes: classes),
                         unlabeledCounts: [])
    }

    private static func check(_ config: Config, classes: Int) throws {
        guard classes >= 2, config.labeledHead >= 0, config.unlabeledHead >= 0, config.numValid >= 0 else {
            throw DataError.invalidArgument(
                "DASO split: classes \(classes), N_1 \(config.labeledHead), M_1 \(config.unlabeledHead) and "
                + "NUM_VALID \(config.numValid) must be non-negative (classes >= 2)")
        }
        guard config.labeledRatio.isFinite, config.unlabeledRatio.isFinite else {
            throw DataError.invalidArgument("DASO split: imbalance ratios must be finite numbers")
        }
    }

    private static func trainAndValidation(labels: [Int], classes: Int,
                                           config: Config) throws -> (train: [Int], validation: [Int]) {
        guard config.numValid > 0 else { return (Array(labels.indices), []) }
        var rng = NumpyRandomState(seed: config.seed)
        let split = try ValidationSplit.random(labels: labels, classes: classes,
                                               perClass: config.numValid / classes, rng: &rng)
        return (split.train, split.validation)
    }

    /// DASO's `make_imbalance`: a fresh RandomState(seed) shared across ranks; rank r keeps
    /// int(head * (1/gamma)^(r/(C-1))) of its class. Like DASO it keeps fewer if fewer exist.
    private static func imbalance(_ subset: [Int], labels: [Int], classes: Int, head: Int, ratio: Double,
                                  classOrder: [Int], seed: UInt32) throws -> [Int] {
        let counts = try LongTail.counts(head: head, classes: classes, ratio: ratio)
        let groups = groupByClass(subset, labels: labels, classes: classes)
        var rng = NumpyRandomState(seed: seed)
        var kept: [Int] = []
        for (rank, label) in classOrder.enumerated() {
            var members = groups[label]
            rng.shuffle(&members)
            kept.append(contentsOf: members.prefix(counts[rank]))
        }
        return kept
    }

    /// `np.where(subset_labels == c)` mapped back to source indices: members in subset order.
    private static func groupByClass(_ subset: [Int], labels: [Int], classes: Int) -> [[Int]] {
        var groups = [[Int]](repeating: [], count: classes)
        for i in subset where labels[i] >= 0 && labels[i] < classes { groups[labels[i]].append(i) }
        return groups
    }

    private static func countLabels(_ subset: [Int], labels: [Int], classes: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for i in subset where labels[i] >= 0 && labels[i] < classes { counts[labels[i]] += 1 }
        return counts
    }
}
