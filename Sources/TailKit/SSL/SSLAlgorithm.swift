import TailData
import Torch
import TorchNN

/// A base semi-supervised algorithm: what it feeds the network and what it learns from the output.
/// It composes with any `ImbalanceAddOn` whose `requirements` its `capabilities` cover, through the
/// add-on's hooks: `labeledLogits` (logit hook), `pseudoLabels` (pseudo-label hook) and
/// `extraLosses`. One type per base; the `SemiSupervisedTask` runs any of them on the engine.
///
/// ```swift
/// let base = FixMatchAlgorithm(threshold: 0.95, unlabeledWeight: 1)
/// let forward = try base.forward(model: net, labeled: xl, labels: y, unlabeled: [uw, us], step: t)
/// let losses = try base.losses(forward, addOn: NoAddOn())
/// ```
public protocol SSLAlgorithm: AnyObject {
    var kind: SSLAlgorithmKind { get }
    /// The unlabeled views per image this base draws (`AugmentPipeline.views` name), nil when it uses
    /// no unlabeled data.
    var unlabeledViews: String? { get }
    /// Whether evaluation uses the EMA model (every SSL base; DASO's Supervised evaluates the raw one).
    var evaluatesEMA: Bool { get }
    /// The network's outputs for a step; `unlabeled` holds the unlabeled views' batches.
    func forward(model: any ClassifierModel, labeled: Tensor, labels: Tensor, unlabeled: [Tensor], step: Int) throws -> SSLForward
    /// The step's losses, with the add-on's hooks applied.
    func losses(_ forward: SSLForward, addOn: any ImbalanceAddOn) throws -> SSLLosses
    /// Hands the base the run's EMA model before training; a base that learns from the EMA model's
    /// predictions (Mean Teacher) keeps it, the others ignore it.
    func useTeacher(_ ema: EMAModel)
}

extension SSLAlgorithm {
    public var capabilities: Set<SSLCapability> { kind.capabilities }

    /// Bases that do not learn from the EMA model's predictions ignore it.
    public func useTeacher(_ ema: EMAModel) {}

    /// L_s = CE(hook(z_l), y): the labeled loss of every base, after the add-on's logit hook.
    func labeledLoss(_ forward: SSLForward, addOn: any ImbalanceAddOn) throws -> Tensor {
        try Functional.crossEntropy(try addOn.labeledLogits(forward.labeledLogits), target: forward.labels)
    }
}
