/// Candidate label sets for partial-label learning: a flat N x C mask, 1 where the class is a candidate.
public struct CandidateLabels: Sendable, Equatable {
    public var classes: Int
    /// Row-major N x C, values 0 or 1.
    public var mask: [UInt8]

    public var count: Int { classes == 0 ? 0 : mask.count / classes }

    public init(classes: Int, mask: [UInt8]) {
        self.classes = classes
        self.mask = mask
    }

    /// The candidate classes of sample `n`.
    public func candidates(of n: Int) -> [Int] {
        (0..<classes).filter { mask[n * classes + $0] != 0 }
    }

    /// Candidate-set size per sample.
    public func setSizes() -> [Int] {
        mask.withUnsafeBufferPointer { m in
            (0..<count).map { n in
                var size = 0
                for c in 0..<classes { size += Int(m[n * classes + c]) }
                return size
            }
        }
    }

    public func averageSetSize() -> Double {
        count == 0 ? 0 : Double(setSizes().reduce(0, +)) / Double(count)
    }
}

/// RECORDS' candidate-set generators (RECORDS-LTPLL `utils/utils_algo.py`,
/// `generate_*_cv_candidate_labels`). One numpy uniform matrix R [N, C] is drawn
/// row by row (the true class's draw is consumed and ignored); false class j of a sample with true
/// class a joins iff R[n, j] < T[a, j]. The true class is always a candidate.
public enum PartialLabels {
    /// CIFAR-100-LT-NU's sibling multiplier (`ratio_hi`).
    public static let defaultSiblingRatio = 8.0

    /// Uniform ambiguity: every false class joins with probability q.
    public static func uniform(labels: [Int], classes: Int, q: Double,
                               rng: inout NumpyRandomState) throws -> CandidateLabels {
        try checkRate(q)
        let flip = [Double](repeating: q, count: classes * classes)
        return try generate(labels: labels, classes: classes, flip: flip, rng: &rng)
    }

    /// Hierarchical + uniform ambiguity: classes of the true class's superclass join with
    /// probability `siblingRatio * q` (8q), all other false classes with q.
    /// `superclassOf[c]` is the superclass of class c (see `cifar100Superclasses(fineNames:)`).
    public static func hierarchical(labels: [Int], superclassOf: [Int], q: Double,
                                    siblingRatio: Double = defaultSiblingRatio,
                                    rng: inout NumpyRandomState) throws -> CandidateLabels {
        try checkRate(q)
        let classes = superclassOf.count
        let sibling = q * siblingRatio
        var flip = [Double](repeating: q, count: classes * classes)
        for a in 0..<classes {
            for b in 0..<classes where superclassOf[a] == superclassOf[b] { flip[a * classes + b] = sibling }
        }
        return try generate(labels: labels, classes: classes, flip: flip, rng: &rng)
    }

    /// The Bernoulli draw for a C x C flip-probability matrix `flip[a * C + b]`.
    public static func generate(labels: [Int], classes: Int, flip: [Double],
                                rng: inout NumpyRandomState) throws -> CandidateLabels {
        guard classes >= 1, flip.count == classes * classes else {
            throw DataError.invalidArgument(
                "partial labels: flip matrix has \(flip.count) entries for \(classes) classes")
        }
        for (n, label) in labels.enumerated() where label < 0 || label >= classes {
            throw DataError.labelOutOfRange(path: "partial labels", index: n, label: label,
                                            validRange: "0..<\(classes)")
        }
        var mask = [UInt8](repeating: 0, count: labels.count * classes)
        mask.withUnsafeMutableBufferPointer { m in
            flip.withUnsafeBufferPointer { t in
                for (n, label) in labels.enumerated() {
                    let row = n * classes, probs = label * classes
                    for j in 0..<classes {
                        let r = rng.randomSample()
                        if j == label { m[row + j] = 1 } else if r < t[probs + j] { m[row + j] = 1 }
                    }
                }
            }
        }
        return CandidateLabels(classes: classes, mask: mask)
    }

    /// Expected candidate-set size for a sample of true class `label`: 1 + sum of its flip row.
    public static func expectedSetSize(label: Int, classes: Int, flip: [Double]) -> Double {
        1 + (0..<classes).filter { $0 != label }.reduce(0) { $0 + min(1, max(0, flip[label * classes + $1])) }
    }

    /// The 20 CIFAR-100 superclasses as RECORDS hard-codes them (fine names with underscores).
    public static let cifar100SuperclassTable: [(superclass: String, members: [String])] = [
        ("aquatic mammals", ["beaver", "dolphin", "otter", "seal", "whale"]),
        ("fish", ["aquarium_fish", "flatfish", "ray", "shark", "trout"]),
        ("flowers", ["orchid", "poppy", "rose", "sunflower", "tulip"]),
        ("food containers", ["bottle", "bowl", "can", "cup", "plate"]),
        ("fruit and vegetables", ["apple", "mushroom", "orange", "pear", "sweet_pepper"]),
        ("household electrical devices", ["clock", "keyboard", "lamp", "telephone", "television"]),
        ("household furniture", ["bed", "chair", "couch", "table", "wardrobe"]),
        ("insects", ["bee", "beetle", "butterfly", "caterpillar", "cockroach"]),
        ("large carnivores", ["bear", "leopard", "lion", "tiger", "wolf"]),
        ("large man-made outdoor things", ["bridge", "castle", "house", "road", "skyscraper"]),
        ("large natural outdoor scenes", ["cloud", "forest", "mountain", "plain", "sea"]),
        ("large omnivores and herbivores", ["camel", "cattle", "chimpanzee", "elephant", "kangaroo"]),
        ("medium-sized mammals", ["fox", "porcupine", "possum", "raccoon", "skunk"]),
        ("non-insect invertebrates", ["crab", "lobster", "snail", "spider", "worm"]),
        ("people", ["baby", "boy", "girl", "man", "woman"]),
        ("reptiles", ["crocodile", "dinosaur", "lizard", "snake", "turtle"]),
        ("small mammals", ["hamster", "mouse", "rabbit", "shrew", "squirrel"]),
        ("trees", ["maple_tree", "oak_tree", "palm_tree", "pine_tree", "willow_tree"]),
        ("vehicles 1", ["bicycle", "bus", "motorcycle", "pickup_truck", "train"]),
        ("vehicles 2", ["lawn_mower", "rocket", "streetcar", "tank", "tractor"]),
    ]

    /// Superclass index per fine class, mapped by name through the dataset's own
    /// `fine_label_names` (as RECORDS reads them from `cifar-100-python/meta`).
    public static func cifar100Superclasses(fineNames: [String]) throws -> [Int] {
        var position: [String: Int] = [:]
        for (i, name) in fineNames.enumerated() { position[name] = i }
        var superclassOf = [Int](repeating: -1, count: fineNames.count)
        for (s, entry) in cifar100SuperclassTable.enumerated() {
            for name in entry.members {
                guard let i = position[name] else {
                    throw DataError.invalidArgument("CIFAR-100 superclasses: class name '\(name)' not in the label names")
                }
                superclassOf[i] = s
            }
        }
        if let unmapped = superclassOf.firstIndex(of: -1) {
            throw DataError.invalidArgument(
                "CIFAR-100 superclasses: class '\(fineNames[unmapped])' belongs to no superclass")
        }
        return superclassOf
    }

    private static func checkRate(_ q: Double) throws {
        guard q.isFinite, q >= 0, q <= 1 else {
            throw DataError.invalidArgument("partial labels: ambiguity q = \(q) must be in [0, 1]")
        }
    }
}
