import Foundation

/// Class-balanced weights from the effective number of samples (Cui et al., ISS 3.1):
/// w_c = (1 − β) / (1 − β^{n_c}), normalised so the weights sum to the number of classes.
/// β = 0 gives all ones. A class with no samples gets weight 0 rather than infinity.
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
