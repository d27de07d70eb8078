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
    /// The forward pass the task runs: as `forward` with the unlabeled images' indices set, for most
    /// bases. A base whose forward pass is trained on its pseudo-labels (ReMixMatch mixes its guesses
    /// into the Mixup targets) applies the add-on's pseudo-label hook inside it.
    func forward(model: any ClassifierModel, labeled: Tensor, labels: Tensor, unlabeled: [Tensor], unlabeledIndices: [Int],
                 addOn: any ImbalanceAddOn, step: Int) throws -> SSLForward
    /// The step's losses, with the add-on's hooks applied.
    func losses(_ forward: SSLForward, addOn: any ImbalanceAddOn) throws -> SSLLosses
    /// Hands the base the run's EMA model before training; a base that learns from the EMA model's
    /// predictions (Mean Teacher) keeps it, the others ignore it.
    func useTeacher(_ ema: EMAModel)
    /// Once, after the model is made and moved to its device (ReMixMatch makes its rotation head here).
    func attach(model: any ClassifierModel, device: Device) throws
    /// The base's own parameters the optimizer trains with the model's (ReMixMatch's rotation head).
    var trainableParameters: [Tensor] { get }
    /// Draws the base's own layers afresh, in place, from a generator seeded by `seed`: a new CReST
    /// generation re-creates the whole model, ReMixMatch's rotation head included (`_rebuild_models`
    /// of `lib/algorithm/rm_crest.py`). The tensors stay the same objects, so the stage's fresh
    /// optimizer over `trainableParameters` trains them.
    func redrawLayers(seed: UInt64) throws
    /// The base's state for an exact resume (ReMixMatch: its rotation head and the distribution
    /// alignment's window), and its restoration.
    func stateTensors() throws -> [(String, Tensor)]
    func restore(_ state: [(String, Tensor)]) throws
}

extension SSLAlgorithm {
    public var capabilities: Set<SSLCapability> { kind.capabilities }

    /// Bases that do not learn from the EMA model's predictions ignore it.
    public func useTeacher(_ ema: EMAModel) {}

    /// Bases without layers or state of their own.
    public func attach(model: any ClassifierModel, device: Device) throws {}
    public var trainableParameters: [Tensor] { [] }
    public func redrawLayers(seed: UInt64) throws {}
    public func stateTensors() throws -> [(String, Tensor)] { [] }
    public func restore(_ state: [(String, Tensor)]) throws {}

    /// Bases whose forward pass does not depend on the add-on.
    public func forward(model: any ClassifierModel, labeled: Tensor, labels: Tensor, unlabeled: [Tensor], unlabeledIndices: [Int],
                        addOn: any ImbalanceAddOn, step: Int) throws -> SSLForward {
        var out = try forward(model: model, labeled: labeled, labels: labels, unlabeled: unlabeled, step: step)
        out.unlabeledIndices = unlabeledIndices
        return out
    }

    /// L_s = CE(hook(z_l), y): the labeled loss of every base, after the add-on's logit hook.
    func labeledLoss(_ forward: SSLForward, addOn: any ImbalanceAddOn) throws -> Tensor {
        try Functional.crossEntropy(try addOn.labeledLogits(forward.labeledLogits), target: forward.labels)
    }
}
