import Foundation
import Torch

/// Label-distribution-aware margin loss (Cao et al., NeurIPS 2019), as the `LDAMLoss` of
/// imbalanced-semi-self's `losses.py` (Yang & Xu, NeurIPS 2020): the true class's logit is lowered by
/// m_y ∝ n_y^{−1/4} (largest margin `maxMargin`), z'_y = z_y − m_y, then CE(s · z', y, w) with s = 30.
///
/// ```swift
/// let ldam = try LDAMLoss(classCounts: [5000, 500, 50])     // margins 0.5·(n_min/n_c)^{1/4}
/// let loss = try ldam(cosines, labels, classWeights: nil)
/// ```
public struct LDAMLoss: Loss {
    public let margins: [Double]
    public let scale: Double
    private let marginTensor: Tensor

    public init(classCounts: [Int], maxMargin: Double = 0.5, scale: Double = 30) throws {
        guard classCounts.allSatisfy({ $0 > 0 }) else {
            throw TailKitError.invalidOption("LDAM needs at least one training image in every class (counts \(classCounts))")
        }
        let raw = classCounts.map { 1 / Foundation.pow(Double($0), 0.25) }
        let top = raw.max() ?? 1
        margins = raw.map { $0 * maxMargin / top }
        self.scale = scale
        marginTensor = try Tensor(margins.map { Float($0) })
    }

    public func callAsFunction(_ logits: Tensor, _ labels: Tensor, classWeights: Tensor?) throws -> Tensor {
        let classes = logits.shape[1]
        let oneHot = try Functional.oneHot(labels, numClasses: classes).to(logits.dtype)
        let margin = try marginTensor.to(logits.dtype, device: logits.device)
        let adjusted = try logits - oneHot * margin
        return try Functional.crossEntropy(adjusted * scale, target: labels, weight: classWeights)
    }
}
