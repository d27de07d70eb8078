import Foundation
import Torch
import TorchNN

/// RECORDS, dynamic rebalancing for long-tailed partial-label learning (Hong, Yao, Zhou, Zhang &
/// Wang, ICLR 2023; RECORDS-LTPLL `utils/utils_loss.py`, `CORR_loss_RECORDS`). The model's current
/// class prior is read off a momentum mean of the training features,
///
///     μ ← (1 − m)·g at the first step, μ ← m·μ + (1 − m)·g after,   g = mean_b (f^w_b + f^s_b) / 2
///     π̂ = softmax(fc(μ))
///
/// and removed from the logits before disambiguation, z̃ = z − log(π̂ + 1e−9), so that head classes
/// stop absorbing the tail's candidate mass. The update then runs on the ORIGINAL candidate mask M0:
///
///     r = (M0 ⊙ softmax(z̃^s)) ⊙ (M0 ⊙ softmax(z̃^w)),  r ← r / (Σ_c r + 1e−9),
///     r ← sqrt(r),                                     W ← r / (Σ_c r + 1e−9)
///
/// At test time the same prior adjusts the logits: z − log(π̂ + 1e−9).
///
/// ```swift
/// var mean = FeatureMean(momentum: 0.9)
/// try mean.update(weak: fw, strong: fs)
/// let logPrior = try RECORDSDebiasing.logPrior(model: model, featureMean: mean.value!)
/// let w = try RECORDSDebiasing.updatedConfidence(weakLogits: zw, strongLogits: zs, logPrior: logPrior, originalMask: m0)
/// ```
public enum RECORDSDebiasing {
    /// log(π̂ + 1e−9) with π̂ = softmax(fc(μ)), as a [1, C] tensor (no gradient).
    public static func logPrior(model: any ClassifierModel, featureMean: Tensor) throws -> Tensor {
        try withNoGrad {
            let logits = try model.logits(fromFeatures: featureMean.unsqueeze(0))
            return try (Functional.softmax(logits, dim: 1) + 1e-9).log()
        }
    }

    /// The debiased confidence rows (B×C, row-major) for the batch's logits.
    public static func updatedConfidence(weakLogits: Tensor, strongLogits: Tensor, logPrior: Tensor,
                                         originalMask: [Float]) throws -> [Float] {
        let (pw, ps) = try withNoGrad {
            (try Functional.softmax(weakLogits.detach() - logPrior, dim: 1).toArray(Float.self),
             try Functional.softmax(strongLogits.detach() - logPrior, dim: 1).toArray(Float.self))
        }
        return debiasedUpdate(weak: pw, strong: ps, originalMask: originalMask, classes: weakLogits.shape[1])
    }

    /// The update on given debiased probabilities (B×C, row-major).
    public static func debiasedUpdate(weak: [Float], strong: [Float], originalMask: [Float], classes: Int) -> [Float] {
        var out = [Float](repeating: 0, count: weak.count)
        for row in stride(from: 0, to: weak.count, by: classes) {
            let range = row..<(row + classes)
            var sum: Float = 0
            for j in range {
                let m: Float = originalMask[j] > 0 ? 1 : 0
                out[j] = (m * strong[j]) * (m * weak[j])
                sum += out[j]
            }
            var rootSum: Float = 0
            for j in range {
                out[j] = (out[j] / (sum + 1e-9)).squareRoot()
                rootSum += out[j]
            }
            for j in range { out[j] /= rootSum + 1e-9 }
        }
        return out
    }
}

/// The momentum mean of the training features that RECORDS reads the class prior from:
/// μ ← (1 − m)·g at the first update (no bias correction, as the reference), m·μ + (1 − m)·g after,
/// with g the batch mean of (f^w + f^s)/2.
public struct FeatureMean {
    public let momentum: Double
    public private(set) var value: Tensor?

    public init(momentum: Double, value: Tensor? = nil) {
        self.momentum = momentum
        self.value = value
    }

    public mutating func update(weak: Tensor, strong: Tensor) throws {
        let g = try withNoGrad { try ((weak.detach() + strong.detach()) / 2).mean(dim: 0) }
        value = try withNoGrad {
            guard let mu = value else { return try g * (1 - momentum) }
            return try mu * momentum + g * (1 - momentum)
        }
    }
}
