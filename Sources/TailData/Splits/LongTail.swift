import Foundation

/// How per-class counts fall from the head class to the tail class.
public enum ImbalanceProfile: String, Sendable, Codable, CaseIterable {
    /// n_i = int(n_max * f^(i/(C-1))): the rule of all three reference codebases.
    case exponential = "exp"
    /// The first floor(C/2) ranks keep int(n_max), the rest get int(n_max * f).
    case step
    /// int(n_max) for every class (what the references do for any other `imb_type`).
    case balanced
}

/// A long-tailed subset of an `ImageSet`: which source images were kept, in class-block order.
public struct LongTailSubset: Sendable, Equatable {
    /// Indices into the source set, rank 0's block first (the order the references concatenate in).
    public var indices: [Int]
    /// The kept images, in `indices` order.
    public var set: ImageSet
    /// Kept images per class, indexed by label value.
    public var countsByLabel: [Int]
}

/// The long-tailed count rule and the seeded per-class selection shared by the three reference
/// codebases. Imbalanced-semi-self and RECORDS pass f = 1/rho (`imb_factor`), DASO passes the ratio
/// gamma = rho; both reach the same `counts(head:classes:tailFraction:profile:)`.
public enum LongTail {
    /// SVHN-LT ranks digits 1..9 first and digit 0 last, because digit 0 is already rare in SVHN.
    public static let svhnClassOrder = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]
    /// SVHN-LT's head size is hard-coded in imbalanced-semi-self instead of derived from the data.
    public static let svhnHeadCount = 1000.0

    /// Counts by rank (rank 0 = head) for tail fraction f = n_tail / n_head in (0, 1].
    /// Computed in IEEE doubles exactly as Python does, then truncated toward zero.
    public static func counts(head: Double, classes: Int, tailFraction f: Double,
                              profile: ImbalanceProfile = .exponential) throws -> [Int] {
        guard classes >= 2 else {
            throw DataError.invalidArgument("long-tail counts: need at least 2 classes, got \(classes)")
        }
        guard head.isFinite, head >= 1 else {
            throw DataError.invalidArgument("long-tail counts: head class size \(head) must be at least 1")
        }
        guard f.isFinite, f > 0, f <= 1 else {
            throw DataError.invalidArgument("long-tail counts: tail fraction \(f) must be in (0, 1]")
        }
        switch profile {
        case .exponential:
            let last = Double(classes) - 1.0
            return (0..<classes).map { Int(head * pow(f, Double($0) / last)) }
        case .step:
            return (0..<classes).map { $0 < classes / 2 ? Int(head) : Int(head * f) }
        case .balanced:
            return [Int](repeating: Int(head), count: classes)
        }
    }

    /// imbalanced-semi-self / RECORDS entry: `imb_factor` f = 1/rho (e.g. 0.01 for rho = 100).
    public static func counts(head: Double, classes: Int, imbFactor: Double,
                              profile: ImbalanceProfile = .exponential) throws -> [Int] {
        try counts(head: head, classes: classes, tailFraction: imbFactor, profile: profile)
    }

    /// DASO entry: ratio gamma >= 1 (head / tail). DASO computes 1/gamma first, which rounds to
    /// the same double as the literal f = 1/rho, so both entries agree bit for bit.
    public static func counts(head: Int, classes: Int, ratio gamma: Double) throws -> [Int] {
        guard gamma.isFinite, gamma >= 1 else {
            throw DataError.invalidArgument("long-tail counts: imbalance ratio \(gamma) must be >= 1")
        }
        return try counts(head: Double(head), classes: classes, tailFraction: 1.0 / gamma)
    }

    /// Re-indexes counts by rank into counts by label value (`classOrder[rank]` = label).
    public static func countsByLabel(_ countsByRank: [Int], classOrder: [Int]) throws -> [Int] {
        try checkClassOrder(classOrder, classes: countsByRank.count)
        var out = [Int](repeating: 0, count: countsByRank.count)
        for (rank, label) in classOrder.enumerated() { out[label] = countsByRank[rank] }
        return out
    }

    /// Indices of each class in ascending order (numpy's `np.where(labels == c)[0]`).
    /// Labels outside 0..<classes (e.g. -1 for unlabelled images) are left out.
    public static func indicesByClass(_ labels: [Int], classes: Int) -> [[Int]] {
        var lists = [[Int]](repeating: [], count: classes)
        for (i, label) in labels.enumerated() where label >= 0 && label < classes {
            lists[label].append(i)
        }
        return lists
    }

    /// The references' selection: for each rank in order, shuffle that class's indices with the
    /// (continuing) numpy stream and keep the first n. Throws when a class has too few images.
    public static func select(from set: ImageSet, countsByRank: [Int], classOrder: [Int]? = nil,
                              rng: inout NumpyRandomState) throws -> LongTailSubset {
        let order = classOrder ?? Array(0..<set.numClasses)
        guard countsByRank.count == set.numClasses else {
            throw DataError.invalidArgument(
                "long-tail selection: \(countsByRank.count) counts for a set of \(set.numClasses) classes")
        }
        try checkClassOrder(order, classes: set.numClasses)
        let perClass = indicesByClass(set.labels, classes: set.numClasses)
        var kept: [Int] = []
        kept.reserveCapacity(countsByRank.reduce(0, +))
        for (rank, label) in order.enumerated() {
            var candidates = perClass[label]
            let wanted = countsByRank[rank]
            guard wanted >= 0, wanted <= candidates.count else {
                throw DataError.invalidArgument(
                    "long-tail selection: class \(label) has \(candidates.count) images, \(wanted) requested")
            }
            rng.shuffle(&candidates)
            kept.append(contentsOf: candidates.prefix(wanted))
        }
        return LongTailSubset(indices: kept, set: set.subset(kept),
                              countsByLabel: try countsByLabel(countsByRank, classOrder: order))
    }

    /// CIFAR-10/100-LT as imbalanced-semi-self and RECORDS build it: n_max = len(train)/C, class
    /// order 0..C-1, numpy seeded with `seed` (both default to 0). Pass `rng` to keep the stream
    /// going afterwards (unlabeled pool, candidate labels).
    public static func cifar(_ set: ImageSet, imbFactor: Double, profile: ImbalanceProfile = .exponential,
                             rng: inout NumpyRandomState) throws -> LongTailSubset {
        let head = Double(set.count) / Double(set.numClasses)
        let counts = try counts(head: head, classes: set.numClasses, imbFactor: imbFactor, profile: profile)
        return try select(from: set, countsByRank: counts, rng: &rng)
    }

    /// SVHN-LT as imbalanced-semi-self builds it: n_max = 1000, ranks over digits 1..9,0.
    public static func svhn(_ set: ImageSet, imbFactor: Double, profile: ImbalanceProfile = .exponential,
                            rng: inout NumpyRandomState) throws -> LongTailSubset {
        let counts = try counts(head: svhnHeadCount, classes: svhnClassOrder.count, imbFactor: imbFactor,
                                profile: profile)
        return try select(from: set, countsByRank: counts, classOrder: svhnClassOrder, rng: &rng)
    }

    /// RECORDS' `--hierarchical` quirk: the count list itself is permuted with Python's
    /// `random.shuffle`, so head and tail become random classes.
    public static func shuffledCounts(_ counts: [Int], using rng: inout PythonRandom) -> [Int] {
        var out = counts
        rng.shuffle(&out)
        return out
    }

    private static func checkClassOrder(_ order: [Int], classes: Int) throws {
        guard order.count == classes, Set(order) == Set(0..<classes) else {
            throw DataError.invalidArgument(
                "long-tail class order \(order) is not a permutation of 0..<\(classes)")
        }
    }
}
