/// How good the pseudo-labels of an evaluation period were, against the unlabeled images' hidden
/// labels (used only for this log; DASO `lib/utils/dist_logger.py`): per class c,
///
///     precision_c = #{ŷ = c and y = c} / #{ŷ = c}     (−1 when no image was labeled c, as the reference)
///     recall_c    = #{ŷ = c and y = c} / #{y = c}     (−1 when no image of class c came)
///
/// over every final pseudo-label of the period, confident or not, and the mask ratio (share of
/// pseudo-labels above the threshold). Images with unknown labels (STL-10's) count only in the mask ratio.
///
/// ```swift
/// var quality = PseudoLabelStatistics(classes: 10)
/// quality.add(pseudoLabels, truth: batch.labels)
/// let m = quality.metrics()        // pl_precision, pl_recall (vectors, and pl_precision_<c> scalars), mask_ratio, pl_accuracy
/// ```
public struct PseudoLabelStatistics: Equatable, Sendable {
    public let classes: Int
    /// confusion[y][ŷ] over the images with a known label.
    public private(set) var confusion: [[Int]]
    public private(set) var masked = 0
    public private(set) var total = 0
    /// Confident pseudo-labels that were right.
    public private(set) var maskedCorrect = 0
    public private(set) var maskedKnown = 0

    public init(classes: Int) {
        self.classes = classes
        confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
    }

    public mutating func add(_ pseudo: PseudoLabelBatch, truth: [Int]) {
        for (i, label) in pseudo.labels.enumerated() {
            total += 1
            if pseudo.mask[i] { masked += 1 }
            let y = i < truth.count ? truth[i] : -1
            guard y >= 0 && y < classes && label >= 0 && label < classes else { continue }
            confusion[y][label] += 1
            if pseudo.mask[i] {
                maskedKnown += 1
                if y == label { maskedCorrect += 1 }
            }
        }
    }

    public var precision: [Double] {
        (0..<classes).map { c in
            let predicted = (0..<classes).reduce(0) { $0 + confusion[$1][c] }
            return predicted == 0 ? -1 : Double(confusion[c][c]) / Double(predicted)
        }
    }

    public var recall: [Double] {
        (0..<classes).map { c in
            let actual = confusion[c].reduce(0, +)
            return actual == 0 ? -1 : Double(confusion[c][c]) / Double(actual)
        }
    }

    /// The period's numbers as evaluation metrics (percentages for the ratios). With no known label
    /// (STL-10's unlabeled set) only the mask ratio: precision and recall are not computable, so they
    /// are left out rather than logged as -1 or 0.
    public func metrics() -> Metrics {
        guard total > 0 else { return Metrics() }
        var m = Metrics()
        m.scalars["mask_ratio"] = 100 * Double(masked) / Double(total)
        let known = confusion.joined().reduce(0, +), correct = (0..<classes).reduce(0) { $0 + confusion[$1][$1] }
        guard known > 0 else { return m }
        m.vectors = ["pl_precision": precision, "pl_recall": recall,
                     "pl_count": (0..<classes).map { c in Double((0..<classes).reduce(0) { $0 + confusion[$1][c] }) }]
        // Per class also as scalars, so that TensorBoard plots them (test/pl_precision_3, ...).
        for (c, (p, r)) in zip(precision, recall).enumerated() {
            m.scalars["pl_precision_\(c)"] = p
            m.scalars["pl_recall_\(c)"] = r
        }
        m.scalars["pl_accuracy"] = 100 * Double(correct) / Double(known)
        if maskedKnown > 0 { m.scalars["pl_masked_accuracy"] = 100 * Double(maskedCorrect) / Double(maskedKnown) }
        return m
    }

    /// [masked, total, maskedCorrect, maskedKnown] + confusion rows, for a checkpoint.
    public var flattened: [Int] { [masked, total, maskedCorrect, maskedKnown] + confusion.joined() }

    public init(classes: Int, flattened: [Int]) throws {
        guard flattened.count == 4 + classes * classes else {
            throw TailKitError.invalidOption("the checkpoint's pseudo-label counts have \(flattened.count) values; \(classes) classes need \(4 + classes * classes)")
        }
        self.init(classes: classes)
        (masked, total, maskedCorrect, maskedKnown) = (flattened[0], flattened[1], flattened[2], flattened[3])
        confusion = (0..<classes).map { Array(flattened[(4 + $0 * classes)..<(4 + ($0 + 1) * classes)]) }
    }
}
