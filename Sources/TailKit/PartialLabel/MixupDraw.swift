import Foundation
import TailData

/// One Mixup draw as RECORDS and SoLar make it: λ ~ Beta(4, 4), λ ← max(λ, 1 − λ) (the mix keeps the
/// original sample dominant), and a random permutation π of the n samples that mixes x with x_π:
/// x̃ = λ x + (1 − λ) x_π, and the same for the targets (RECORDS-LTPLL `train.py`, `train_solar.py`).
///
/// Beta(4, 4) = G₁ / (G₁ + G₂) with G ~ Gamma(4, 1), each the sum of 4 standard exponentials
/// −log U. The draw depends only on the generator, so a resumed run mixes exactly as before.
///
/// ```swift
/// var rng = SeededGenerator(seed: 7).fork(UInt64(step))
/// let draw = MixupDraw(count: 256, using: &rng)        // draw.lambda in [0.5, 1)
/// ```
public struct MixupDraw: Equatable, Sendable {
    public var lambda: Double
    public var permutation: [Int]

    public init(lambda: Double, permutation: [Int]) {
        self.lambda = lambda
        self.permutation = permutation
    }

    public init(count: Int, alpha: Int = 4, using rng: inout SeededGenerator) {
        let a = Self.gamma(shape: alpha, using: &rng), b = Self.gamma(shape: alpha, using: &rng)
        let l = a / (a + b)
        lambda = max(l, 1 - l)
        var order = Array(0..<count)
        rng.shuffle(&order)
        permutation = order
    }

    /// Gamma(k, 1) for a whole shape k: the sum of k exponentials.
    private static func gamma(shape: Int, using rng: inout SeededGenerator) -> Double {
        (0..<shape).reduce(0.0) { sum, _ in sum - log(1 - rng.uniform()) }
    }

    /// λ·a + (1 − λ)·a_π for the rows (B×C, row-major) of a target table.
    public func mix(rows: [Float], classes: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows.count)
        let l = Float(lambda)
        for (i, j) in permutation.enumerated() {
            for c in 0..<classes { out[i * classes + c] = l * rows[i * classes + c] + (1 - l) * rows[j * classes + c] }
        }
        return out
    }
}
