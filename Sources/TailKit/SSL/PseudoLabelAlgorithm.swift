import Torch
import TorchNN

/// Pseudo-Label (Lee, ICML-W 2013) as DASO runs it (`lib/algorithm/pseudo_label.py`, spec §4.2): one
/// weak view per unlabeled image, one forward pass over [x_l; u], then
///
///     ŷ = argmax hook(softmax(z_u)),  m = 1[max ≥ τ]
///     L = CE(hook(z_l), y) + r(t) · λ_u · (1/μB) Σ_b m_b · CE(z_u,b, ŷ_b)
///
/// with the linear ramp r(t) = min(t / R, 1), R = `rampRatio` · steps (0.4 in the reference's config);
/// with CReST it restarts each generation, over `rampRatio` of the generation (`ConsistencyRamp`). DASO
/// has no Pseudo-Label + CReST; this follows its `ReMixMatchCReST` (`lib/algorithm/rm_crest.py`).
///
/// ```swift
/// let pl = PseudoLabelAlgorithm(threshold: 0.95, unlabeledWeight: 1, rampSteps: 100_000)
/// ```
public final class PseudoLabelAlgorithm: SSLAlgorithm {
    public let kind = SSLAlgorithmKind.pseudolabel
    public let unlabeledViews: String? = "weak-reflect"
    public let evaluatesEMA = true
    public let threshold: Double
    public let unlabeledWeight: Double
    /// r(t), restarted each CReST generation (`ConsistencyRamp`).
    public let consistencyRamp: ConsistencyRamp
    /// R of the ramp.
    public var rampSteps: Int { consistencyRamp.steps }

    /// `rampPeriod`: the CReST generation's length, after which the ramp restarts (nil: never).
    public init(threshold: Double, unlabeledWeight: Double, rampSteps: Int, rampPeriod: Int? = nil) {
        self.threshold = threshold
        self.unlabeledWeight = unlabeledWeight
        consistencyRamp = ConsistencyRamp(steps: rampSteps, period: rampPeriod)
    }

    /// r(t) = min(t' / R, 1) (1 when R is 0), t' the step within the CReST generation (`ConsistencyRamp`).
    public func ramp(at step: Int) -> Double { consistencyRamp.value(at: step) }

    public func forward(model: any ClassifierModel, labeled: Tensor, labels: Tensor, unlabeled: [Tensor], step: Int) throws -> SSLForward {
        guard unlabeled.count == 1 else {
            throw TailKitError.invalidOption("Pseudo-Label needs one unlabeled view, got \(unlabeled.count)")
        }
        let b = labeled.shape[0], u = unlabeled[0].shape[0]
        let (logits, features) = try model.forwardWithFeatures(try Tensor.cat([labeled, unlabeled[0]], dim: 0).channelsLast())
        let z = try logits.split(sizes: [b, u], dim: 0), f = try features.split(sizes: [b, u], dim: 0)
        return SSLForward(labeledLogits: z[0], labels: labels, weakLogits: z[1], strongLogits: z[1], weakFeatures: f[1], step: step)
    }

    public func losses(_ forward: SSLForward, addOn: any ImbalanceAddOn) throws -> SSLLosses {
        guard let unlabeled = forward.weakLogits else { throw TailKitError.invalidOption("Pseudo-Label's losses need the unlabeled logits") }
        let labeled = try labeledLoss(forward, addOn: addOn)
        let refined = try withNoGrad { try addOn.pseudoLabels(try Functional.softmax(unlabeled.detach(), dim: 1), forward: forward) }
        let (pseudo, mask, labels) = try FixMatchAlgorithm.pseudoLabels(refined, threshold: threshold)
        let perSample = try Functional.crossEntropy(unlabeled, target: labels, reduction: .none)
        let consistency = try (perSample * mask).sum() / Double(unlabeled.shape[0]) * (unlabeledWeight * ramp(at: forward.step))
        return SSLLosses(terms: [("loss_cls", labeled), ("loss_pl", consistency)] + (try addOn.extraLosses(forward)), pseudoLabels: pseudo)
    }
}
