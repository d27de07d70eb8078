/// The unlabeled pool of imbalanced-semi-self (`dataset/imbalance_cifar.py`, `dataset/imbalance_svhn.py`):
/// "D_U@kx" holds k times as many images as the labeled set, spread over classes with its own
/// imbalance f_U = 1/rho_U.
public enum UnlabeledSplit {
    /// The reference's `unlabel_size_factor`: D_U@5x.
    public static let defaultSizeFactor = 5

    /// Per-rank unlabeled counts: U = k * sum(labeled), first = U / C, u'_i = int(first * f_U^(i/(C-1))),
    /// u_i = int(u'_i * U / sum(u')). The rescale truncates each term, so the total can fall short of U.
    public static func counts(labeledCountsByRank: [Int], unlabeledImbFactor fU: Double,
                              sizeFactor: Int = defaultSizeFactor) throws -> [Int] {
        let classes = labeledCountsByRank.count
        guard sizeFactor >= 1, labeledCountsByRank.allSatisfy({ $0 >= 0 }) else {
            throw DataError.invalidArgument(
                "unlabeled counts: size factor \(sizeFactor) must be >= 1 and labeled counts non-negative")
        }
        let total = labeledCountsByRank.reduce(0, +) * sizeFactor
        let shaped = try LongTail.counts(head: Double(total / max(classes, 1)), classes: classes,
                                         tailFraction: fU)
        let shapedTotal = shaped.reduce(0, +)
        guard shapedTotal > 0 else {
            throw DataError.invalidArgument("unlabeled counts: pool of \(total) images is empty after shaping")
        }
        let rescale = Double(total) / Double(shapedTotal)
        return shaped.map { Int(Double($0) * rescale) }
    }

    /// Selection from a separate pool (TinyImages, SVHN `extra`): for each rank, shuffle the pool
    /// indices whose selection label is that class and keep the first u. Pass the numpy stream
    /// that just selected the labeled set: the reference continues it.
    public static func select(selectionLabels: [Int], classes: Int, countsByRank: [Int],
                              classOrder: [Int]? = nil, rng: inout NumpyRandomState) throws -> [Int] {
        let perClass = LongTail.indicesByClass(selectionLabels, classes: classes)
        return try take(from: perClass, countsByRank: countsByRank,
                        classOrder: classOrder ?? Array(0..<classes), rng: &rng, what: "unlabeled pool")
    }

    /// Selection from the images of the same set that the long-tailed labeled subset left out
    /// (e.g. Fashion-MNIST): same per-rank shuffle over the remaining indices of each class.
    public static func selectFromRemainder(labels: [Int], classes: Int, excluding labeled: [Int],
                                           countsByRank: [Int], classOrder: [Int]? = nil,
                                           rng: inout NumpyRandomState) throws -> [Int] {
        var used = [Bool](repeating: false, count: labels.count)
        for i in labeled {
            guard i >= 0 && i < labels.count else {
                throw DataError.invalidArgument("unlabeled remainder: labeled index \(i) is outside 0..<\(labels.count)")
            }
            used[i] = true
        }
        let remaining = LongTail.indicesByClass(labels, classes: classes).map { $0.filter { !used[$0] } }
        return try take(from: remaining, countsByRank: countsByRank,
                        classOrder: classOrder ?? Array(0..<classes), rng: &rng, what: "remaining images")
    }

    /// The reference's training set for self-training: [labeled block, true labels] followed by
    /// [selected pool images, pseudo-labels]. Both sets must share image geometry and classes.
    public static func merge(labeled: ImageSet, pool: ImageSet, selected: [Int],
                             pseudoLabels: [Int]) throws -> ImageSet {
        guard pool.height == labeled.height, pool.width == labeled.width, pool.channels == labeled.channels,
              pool.numClasses == labeled.numClasses else {
            throw DataError.invalidArgument("unlabeled merge: pool geometry or classes differ from the labeled set")
        }
        guard pseudoLabels.count == pool.count else {
            throw DataError.countMismatch(path: "pseudo-labels", images: pool.count, labels: pseudoLabels.count)
        }
        var merged = labeled
        merged.images.reserveCapacity(labeled.images.count + selected.count * pool.imageBytes)
        for i in selected {
            guard i >= 0 && i < pool.count else {
                throw DataError.invalidArgument("unlabeled merge: pool index \(i) is outside 0..<\(pool.count)")
            }
            let label = pseudoLabels[i]
            guard label >= 0 && label < labeled.numClasses else {
                throw DataError.labelOutOfRange(path: "pseudo-labels", index: i, label: label,
                                                validRange: "0..<\(labeled.numClasses)")
            }
            merged.images.append(contentsOf: pool.image(i))
            merged.labels.append(label)
        }
        return merged
    }

    private static func take(from perClass: [[Int]], countsByRank: [Int], classOrder: [Int],
                             rng: inout NumpyRandomState, what: String) throws -> [Int] {
        guard countsByRank.count == perClass.count, classOrder.count == perClass.count,
              Set(classOrder) == Set(0..<perClass.count) else {
            throw DataError.invalidArgument(
                "\(what): \(countsByRank.count) counts and class order \(classOrder) for \(perClass.count) classes")
        }
        var kept: [Int] = []
        for (rank, label) in classOrder.enumerated() {
            var members = perClass[label]
            guard countsByRank[rank] >= 0, countsByRank[rank] <= members.count else {
                throw DataError.invalidArgument(
                    "\(what): class \(label) has \(members.count) images, \(countsByRank[rank]) requested")
            }
            rng.shuffle(&members)
            kept.append(contentsOf: members.prefix(countsByRank[rank]))
        }
        return kept
    }
}
