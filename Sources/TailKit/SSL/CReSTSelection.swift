import Foundation

/// Which unlabeled images CReST adds to the labeled set at the end of a generation (Wei et al., "CReST:
/// A Class-Rebalancing Self-Training Framework for Imbalanced Semi-Supervised Learning", CVPR 2021;
/// ytaek-oh/daso `lib/algorithm/fm_crest.py`, `_rebuild_labeled_dataset`):
///
///     μ_c = (n_c / n_max)^(1/α)                     inclusion rate of class c, initial labeled counts
///     S_i = {images the EMA model predicts as i}, by confidence, highest first
///     keep the first int(μ_mirror(i) · |S_i|) of S_i, labeled i
///
/// mirror(i) is the class whose frequency rank among the labeled counts mirrors i's (rank r ↔ C−1−r;
/// ties by class index), so the most frequent class gets the rarest class's rate: few of the head's
/// predictions join, most of the tail's. The reference uses μ_{C−1−i}, which assumes class index
/// order = frequency order (spec known quirk 6); on DASO's splits the two agree.
///
/// ```swift
/// let rates = CReSTSelection.inclusionRates(labeledCounts: [8, 1], alpha: 3)   // [1, 0.5]
/// let mirrored = CReSTSelection.mirroredRates(rates, labeledCounts: [8, 1])     // [0.5, 1]
/// let picked = CReSTSelection.select(probabilities: rows, rates: mirrored)      // [(index, label)]
/// ```
public enum CReSTSelection {
    /// μ_c = (n_c / n_max)^(1/α).
    public static func inclusionRates(labeledCounts: [Int], alpha: Double) -> [Double] {
        let most = Double(labeledCounts.max() ?? 1)
        return labeledCounts.map { Foundation.pow(Double($0) / most, 1 / alpha) }
    }

    /// The rate each predicted class uses: that of the class at the mirrored frequency rank.
    public static func mirroredRates(_ rates: [Double], labeledCounts: [Int]) -> [Double] {
        let byRank = labeledCounts.indices.sorted { (labeledCounts[$0], -$0) > (labeledCounts[$1], -$1) }
        var mirrored = rates
        for (rank, c) in byRank.enumerated() { mirrored[c] = rates[byRank[byRank.count - 1 - rank]] }
        return mirrored
    }

    /// The images to add: for each class i, the int(rates[i] · |S_i|) most confident of those predicted
    /// as i (ties by index), in class order. `probabilities` has one row per unlabeled image.
    public static func select(probabilities: [[Double]], rates: [Double]) -> [(index: Int, label: Int)] {
        var predicted = [[(index: Int, confidence: Double)]](repeating: [], count: rates.count)
        for (n, row) in probabilities.enumerated() {
            guard let best = row.indices.max(by: { (row[$0], -$0) < (row[$1], -$1) }) else { continue }
            predicted[best].append((n, row[best]))
        }
        var picked: [(index: Int, label: Int)] = []
        for (i, members) in predicted.enumerated() {
            let keep = Int(rates[i] * Double(members.count))
            let ranked = members.sorted { ($0.confidence, -$0.index) > ($1.confidence, -$1.index) }
            picked += ranked.prefix(keep).map { ($0.index, i) }
        }
        return picked
    }

    /// CReST+'s distribution-alignment temperature of generation g (1-based) of G:
    /// t_g = 1 − f + f·t_min, f = (g−1)/(G−1) (f = 0 for a single generation).
    public static func temperature(generation g: Int, of generations: Int, tMin: Double) -> Double {
        let f = generations > 1 ? Double(g - 1) / Double(generations - 1) : 0
        return 1 - f + f * tMin
    }
}
