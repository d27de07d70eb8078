import Foundation

/// Class-balanced weights from the effective number of samples (Cui et al., CVPR 2019), as
/// imbalanced-semi-self's `train.py` computes them for Reweight and DRW (Yang & Xu, NeurIPS 2020):
/// w_c = (1 − β) / (1 − β^{n_c}), normalised so the weights sum to the number of classes.
/// β = 0 gives all ones. A class with no samples gets weight 0 rather than infinity.
///
/// ```swift
/// classBalancedWeights(counts: [5000, 500, 50], beta: 0.9999)   // ≈ [0.034, 0.275, 2.691]
/// ```
public func classBalancedWeights(counts: [Int], beta: Double) -> [Double] {
    let raw = counts.map { n -> Double in
        guard n > 0 else { return 0 }
        let effective = 1 - Foundation.pow(beta, Double(n))
        return effective > 0 ? (1 - beta) / effective : 0
    }
    let total = raw.reduce(0, +)
    guard total > 0 else { return counts.map { _ in 1 } }
    return raw.map { $0 / total * Double(counts.count) }
}
