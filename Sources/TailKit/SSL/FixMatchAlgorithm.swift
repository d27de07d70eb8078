import Torch
import TorchNN

/// FixMatch (Sohn et al., NeurIPS 2020) as DASO runs it (`lib/algorithm/fixmatch.py`): one forward
/// pass over [x_l; u_w; u_s] (B + 2μB images), then
///
///     L_s = CE(hook(z_l), y)
///     p   = hook(softmax(z_w))          (no gradient; the add-on's pseudo-label hook: DASO, ...)
///     ŷ   = argmax p,  m = 1[max p ≥ τ]
///     L_u = λ_u · (1/μB) Σ_b m_b · CE(z_s,b, ŷ_b)
///
/// plus the add-on's extra losses. τ = 0.95, λ_u = 1 in the reference; the mean is over all μB
/// unlabeled images, not only the confident ones.
///
/// ```swift
/// let fixmatch = FixMatchAlgorithm(threshold: 0.95, unlabeledWeight: 1)
/// let losses = try fixmatch.losses(forward, addOn: NoAddOn())   // loss_cls, loss_cons
/// ```
public final class FixMatchAlgorithm: SSLAlgorithm {
    public let kind = SSLAlgorithmKind.fixmatch
    public let unlabeledViews: String? = "fixmatch"
    public let evaluatesEMA = true
    public let threshold: Double
    public let unlabeledWeight: Double

    public init(threshold: Double, unlabeledWeight: Double) {
        self.threshold = threshold
        self.unlabeledWeight = unlabeledWeight
    }

    public func forward(model: any ClassifierModel, labeled: Tensor, labels: Tensor, unlabeled: [Tensor], step: Int) throws -> SSLForward {
        guard unlabeled.count == 2 else {
            throw TailKitError.invalidOption("FixMatch needs a weak and a strong unlabeled view, got \(unlabeled.count)")
        }
        let b = labeled.shape[0], u = unlabeled[0].shape[0]
        let (logits, features) = try model.forwardWithFeatures(try Tensor.cat([labeled] + unlabeled, dim: 0).channelsLast())
        let z = try logits.split(sizes: [b, u, u], dim: 0), f = try features.split(sizes: [b, u, u], dim: 0)
        return SSLForward(labeledLogits: z[0], labels: labels, weakLogits: z[1], strongLogits: z[2],
                          labeledFeatures: f[0], weakFeatures: f[1], strongFeatures: f[2], step: step)
    }

    public func losses(_ forward: SSLForward, addOn: any ImbalanceAddOn) throws -> SSLLosses {
        guard let weak = forward.weakLogits, let strong = forward.strongLogits else {
            throw TailKitError.invalidOption("FixMatch's losses need the unlabeled views' logits")
        }
        let labeled = try labeledLoss(forward, addOn: addOn)
        let refined = try withNoGrad { try addOn.pseudoLabels(try Functional.softmax(weak.detach(), dim: 1), forward: forward) }
        let (pseudo, mask, labels) = try Self.pseudoLabels(refined, threshold: threshold)
        let perSample = try Functional.crossEntropy(strong, target: labels, reduction: .none)
        let consistency = try (perSample * mask).sum() / Double(strong.shape[0]) * unlabeledWeight
        return SSLLosses(terms: [("loss_cls", labeled), ("loss_cons", consistency)] + (try addOn.extraLosses(forward)),
                         pseudoLabels: pseudo)
    }

    /// ŷ = argmax p, confidence = max p, mask = 1[confidence ≥ τ], as arrays and as the tensors the
    /// loss uses (mask as float, ŷ as int64).
    static func pseudoLabels(_ p: Tensor, threshold: Double) throws -> (PseudoLabelBatch, mask: Tensor, labels: Tensor) {
        let (confidence, labels) = try p.max(dim: 1)
        let mask = try confidence.ge(threshold).to(.float32)
        let pseudo = PseudoLabelBatch(labels: try labels.toArray(Int.self), confidences: try confidence.toArray(Double.self),
                                  mask: try mask.toArray(Float.self).map { $0 > 0 })
        return (pseudo, mask, labels)
    }
}
