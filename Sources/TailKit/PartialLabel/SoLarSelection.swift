import Foundation

/// SoLar's choice of the samples whose Sinkhorn pseudo-labels are trusted in a batch (RECORDS-LTPLL
/// `train_solar.py`, `train_loop`): for each class j that some sample's pseudo-label ŷ points to,
/// the k_j samples of that class with the smallest pseudo-label loss, where
///
///     k_j = max(min(ceil(B · π_j · ρ), n_j), 1),   ρ = ρ_start + (ρ_end − ρ_start) · min(epoch / warm-up, 1)
///
/// (B the configured batch size, π the estimated class prior, n_j the samples with ŷ = j), plus every
/// sample whose agreement Σ_c P̂_c · p_c exceeds τ.
///
/// ```swift
/// let chosen = SoLarSelection.select(pseudoLabels: yhat, pseudoLosses: losses, agreement: agree,
///                                    prior: prior, batchSize: 256, rho: 0.2, tau: 0.99)
/// ```
public enum SoLarSelection {
    /// ρ or η at `epoch`: linear ramp from `start` to `end` over `warmupEpochs` (the reference's `linear_rampup`).
    public static func ramp(start: Double, end: Double, epoch: Int, warmupEpochs: Int) -> Double {
        let a = warmupEpochs <= 0 || epoch >= warmupEpochs ? 1.0 : Double(epoch) / Double(warmupEpochs)
        return start + (end - start) * a
    }

    /// Sorted indices (into the batch) of the selected samples.
    public static func select(pseudoLabels: [Int], pseudoLosses: [Float], agreement: [Float], prior: [Double],
                              batchSize: Int, rho: Double, tau: Double) -> [Int] {
        var chosen = Set<Int>()
        for j in prior.indices {
            let members = pseudoLabels.indices.filter { pseudoLabels[$0] == j }
            guard !members.isEmpty else { continue }
            let quota = Double(batchSize) * prior[j] * rho
            let k = max(min(Int(quota.rounded(.up)), members.count), 1)
            // A stable sort keeps equal losses in batch order, as a stable torch sort would.
            let ranked = members.enumerated().sorted { a, b in
                pseudoLosses[a.element] != pseudoLosses[b.element] ? pseudoLosses[a.element] < pseudoLosses[b.element] : a.offset < b.offset
            }
            for entry in ranked.prefix(k) { chosen.insert(entry.element) }
        }
        for (i, a) in agreement.enumerated() where Double(a) > tau { chosen.insert(i) }
        return chosen.sorted()
    }
}
