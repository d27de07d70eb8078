import Foundation
import Torch

/// Logit adjustment in the loss (Menon et al.): CE(z + τ log π_c), with π the training label
/// frequencies. τ = 1 is Balanced Softmax. At test time the plain logits are used.
public struct LogitAdjustedLoss: Loss {
    private let offsets: Tensor

    public init(classCounts: [Int], tau: Double) throws {
        offsets = try Tensor(logPriorOffsets(classCounts: classCounts, tau: tau).map { Float($0) })
    }

    public func callAsFunction(_ logits: Tensor, _ labels: Tensor, classWeights: Tensor?) throws -> Tensor {
        let shift = try offsets.to(logits.dtype, device: logits.device)
        return try Functional.crossEntropy(logits + shift, target: labels, weight: classWeights)
    }
}

/// τ log π_c for each class, with empty classes given the smallest non-empty prior (never −∞).
public func logPriorOffsets(classCounts: [Int], tau: Double) -> [Double] {
    let total = Double(max(1, classCounts.reduce(0, +)))
    let smallest = Double(classCounts.filter { $0 > 0 }.min() ?? 1)
    return classCounts.map { tau * Foundation.log(Double($0 > 0 ? $0 : Int(smallest)) / total) }
}
