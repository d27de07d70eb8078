import Foundation
import TailData

/// Per-class quality of the pseudo-labels that entered training, when the pool's true labels are
/// known (Fashion-MNIST's remainder, SVHN extra): precision = right / predicted as c, recall =
/// right / truly c, over the selected images.
public struct PseudoLabelQuality: Codable, Equatable, Sendable {
    public var precision: [Double]
    public var recall: [Double]
    public var accuracy: Double

    public init(predicted: [Int], truth: [Int], classes: Int) {
        var hit = [Int](repeating: 0, count: classes), pred = hit, real = hit
        for (p, t) in zip(predicted, truth) where p >= 0 && p < classes && t >= 0 && t < classes {
            pred[p] += 1
            real[t] += 1
            if p == t { hit[p] += 1 }
        }
        precision = (0..<classes).map { pred[$0] > 0 ? 100 * Double(hit[$0]) / Double(pred[$0]) : 0 }
        recall = (0..<classes).map { real[$0] > 0 ? 100 * Double(hit[$0]) / Double(real[$0]) : 0 }
        accuracy = 100 * Double(hit.reduce(0, +)) / Double(max(1, predicted.count))
    }
}

/// The self-training set of imbalanced-semi-self's `train_semi.py` (Yang & Xu, NeurIPS 2020;
/// `SemiSupervisedImbalanceCIFAR10` in `dataset/imbalance_cifar.py`, `SemiSupervisedImbalanceSVHN`
/// in `dataset/imbalance_svhn.py`): the long-tailed labeled block (true labels) followed by D_U@k×
/// unlabeled images with imbalance ρ_U, selected per class by their selection labels with the numpy
/// stream that selected the labeled set, and trained on with their pseudo-labels. Per class, with
/// U = k · Σ n_i: u'_i = int(⌊U / C⌋ · ρ_U^{−i/(C−1)}), u_i = int(u'_i · U / Σ_j u'_j).
///
/// ```swift
/// let semi = try SelfTrainingSet.build(data: data, imbFactor: 0.01, imbType: "exp", seed: 0, holdOut: 0.55,
///                                      source: .remainder, pseudoLabels: labels, pseudoLabelPath: "pl.pickle",
///                                      unlabeledImbFactor: 0.01, sizeFactor: 5)
/// ```
public struct SelfTrainingSet {
    public var train: ImageSet
    public var labeledCounts: [Int]
    /// Pseudo-labels per class among the selected images.
    public var unlabeledCounts: [Int]
    /// Indices into the pool of the selected images, in training order.
    public var selected: [Int]
    public var quality: PseudoLabelQuality?

    public static func build(data: LoadedDataset, imbFactor: Double, imbType: String, seed: Int, holdOut: Double,
                             source: UnlabeledSource, pseudoLabels: PseudoLabels, pseudoLabelPath: String,
                             unlabeledImbFactor: Double, sizeFactor: Int) throws -> SelfTrainingSet {
        var rng = NumpyRandomState(seed: UInt32(truncatingIfNeeded: seed))
        let lt = try data.longTailed(imbFactor: imbFactor, imbType: imbType, holdOut: holdOut, rng: &rng)
        var (pool, trueLabelsKnown) = try source.load(data)
        guard pseudoLabels.targets.count == pool.count else {
            throw TailKitError.badFile(path: pseudoLabelPath, problem: "holds \(pseudoLabels.targets.count) pseudo-labels but the pool \(source.description) has \(pool.count) images: it was made for another pool")
        }
        // A folder of unlabeled images has no selection labels of its own: its pseudo-labels select.
        if case .folder = source { pool.labels = pseudoLabels.targets }
        let order = data.classOrder
        let byRank = try UnlabeledSplit.counts(labeledCountsByRank: order.map { lt.counts[$0] },
                                               unlabeledImbFactor: unlabeledImbFactor, sizeFactor: sizeFactor)
        let selected: [Int]
        do {
            selected = source == .remainder
                ? try UnlabeledSplit.selectFromRemainder(labels: pool.labels, classes: pool.numClasses, excluding: lt.indices,
                                                         countsByRank: byRank, classOrder: order, rng: &rng)
                : try UnlabeledSplit.select(selectionLabels: pool.labels, classes: pool.numClasses, countsByRank: byRank,
                                            classOrder: order, rng: &rng)
        } catch let error as DataError {
            throw TailKitError.invalidOption("the pool \(source.description) cannot supply D_U@\(sizeFactor)x with rho_U = \(Int((1 / unlabeledImbFactor).rounded())) (\(byRank.reduce(0, +)) images, \(byRank.first ?? 0) of the head class): \(error); lower --unlabeled-ratio or raise --imb-factor-unlabel")
        }
        let merged = try UnlabeledSplit.merge(labeled: lt.set, pool: pool, selected: selected, pseudoLabels: pseudoLabels.targets)
        let picked = selected.map { pseudoLabels.targets[$0] }
        var unlabeledCounts = [Int](repeating: 0, count: pool.numClasses)
        for p in picked where p >= 0 && p < pool.numClasses { unlabeledCounts[p] += 1 }
        let quality = trueLabelsKnown
            ? PseudoLabelQuality(predicted: picked, truth: selected.map { pool.labels[$0] }, classes: pool.numClasses) : nil
        return SelfTrainingSet(train: merged, labeledCounts: lt.counts, unlabeledCounts: unlabeledCounts,
                               selected: selected, quality: quality)
    }
}
