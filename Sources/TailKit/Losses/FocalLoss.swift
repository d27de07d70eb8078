import Torch

/// Focal loss (Lin et al., ICCV 2017) as imbalanced-semi-self's `train.py` instantiates the
/// `FocalLoss` of its `losses.py` (Yang & Xu, NeurIPS 2020): ℓ_i = weighted CE_i, p_i = exp(−ℓ_i),
/// loss = mean_i (1 − p_i)^γ ℓ_i with γ = 1. The reference computes p from the weighted CE and
/// reduces with a plain mean; TailKit keeps that so numbers match.
///
/// ```swift
/// let loss = try FocalLoss(gamma: 1)(logits, labels, classWeights: nil)    // scalar
/// ```
public struct FocalLoss: Loss {
    public var gamma: Double

    public init(gamma: Double = 1) { self.gamma = gamma }

    public func callAsFunction(_ logits: Tensor, _ labels: Tensor, classWeights: Tensor?) throws -> Tensor {
        let ce = try Functional.crossEntropy(logits, target: labels, weight: classWeights, reduction: .none)
        let p = try (-ce).exp()
        return try ((1 - p).pow(gamma) * ce).mean()
    }
}
