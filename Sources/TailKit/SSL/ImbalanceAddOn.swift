import Torch
import TorchNN

/// An imbalance add-on: it changes a base algorithm's training through hooks, and keeps whatever
/// state it needs (queues, distributions) in the checkpoint. Every hook has a neutral default, so an
/// add-on implements only what it changes. One type per add-on; `SSLPairing.check` refuses a base
/// that lacks one of its `requirements`.
///
/// Per step the task calls, in order: `beforeStep` (before the forward pass), then the base calls
/// `labeledLogits`, `pseudoLabels` and `extraLosses` while computing its losses, then the task calls
/// `observe` with the step's final pseudo-labels, and after the optimizer step `afterOptimizerStep`.
/// An add-on with its own layers (ABC's head) makes them in `attach`, hands them to the optimizer
/// through `trainableParameters` and may score evaluation with another model (`evaluationModel`).
/// A multi-stage add-on (CReST's generations, cRT's re-training) is cut into stages by `SSLStagePlan`;
/// the task does the switches (`SSLStageSwitch.swift`) and the add-on keeps what they chose.
///
/// ```swift
/// final class Doubling: ImbalanceAddOn {
///     let kind = ImbalanceAddOnKind.la
///     let requirements: Set<SSLCapability> = [.labeledLogits]
///     func labeledLogits(_ z: Tensor) throws -> Tensor { try z * 2 }
/// }
/// ```
public protocol ImbalanceAddOn: AnyObject {
    var kind: ImbalanceAddOnKind { get }
    /// What the base must offer.
    var requirements: Set<SSLCapability> { get }
    /// Once, after the model is made and moved to its device (ABC makes its head here).
    func attach(model: any ClassifierModel, device: Device) throws
    /// The add-on's own parameters the optimizer trains with the model's.
    var trainableParameters: [Tensor] { get }
    /// Before the forward pass (DASO: the EMA features of the labeled batch enter the queue).
    func beforeStep(_ context: SSLStepContext) throws
    /// Logit hook: the labeled logits the labeled loss sees.
    func labeledLogits(_ logits: Tensor) throws -> Tensor
    /// Pseudo-label hook: the class distributions [μB, C] (no gradient) the pseudo-labels come from.
    func pseudoLabels(_ probabilities: Tensor, forward: SSLForward) throws -> Tensor
    /// Losses the add-on adds to the base's.
    func extraLosses(_ forward: SSLForward) throws -> [(name: String, value: Tensor)]
    /// The step's final pseudo-labels (all of them, confident or not), after the losses.
    func observe(_ pseudoLabels: PseudoLabelBatch, step: Int) throws
    /// After each optimizer step t (ABC: the EMA of its head).
    func afterOptimizerStep(step: Int) throws
    /// The model evaluation scores, given the task's evaluated model (ABC: its EMA head on that backbone).
    func evaluationModel(_ model: any ClassifierModel) throws -> any ClassifierModel
    /// Whether the add-on collects estimates of the unlabeled class counts (DARP while its target is
    /// unknown): the task then makes one at each evaluation and hands it over with `takeUnlabeledEstimate`.
    var collectsUnlabeledEstimates: Bool { get }
    /// Whether the add-on needs its target before the next step (DARP at the end of its warm-up when the
    /// unlabeled distribution is unknown); the task then makes one more estimate and hands it over.
    var wantsUnlabeledEstimate: Bool { get }
    func takeUnlabeledEstimate(_ estimate: UnlabeledDistributionEstimate) throws
    /// The class distribution a base's distribution alignment aims at instead of the labeled one, once
    /// known (DARP: its target unlabeled counts, normalised; `lib/algorithm/remixmatch.py` sets DARP's
    /// target on its alignment).
    var alignmentTarget: [Double]? { get }
    /// The temperature t of π*_t a base's own distribution alignment uses this step instead of its
    /// default (CReST+: t_g of the generation; `lib/algorithm/rm_crest.py` calls
    /// `dist_align(p, temperature=gradual_temp)`), nil for the default.
    var alignmentTemperature: Double? { get }
    /// Numbers to log with the evaluation.
    func evaluationMetrics() -> [String: Double]
    /// The add-on's state for an exact resume, and its restoration.
    func stateTensors() throws -> [(String, Tensor)]
    func restore(_ state: [(String, Tensor)]) throws
}

extension ImbalanceAddOn {
    public func attach(model: any ClassifierModel, device: Device) throws {}
    public var trainableParameters: [Tensor] { [] }
    public func afterOptimizerStep(step: Int) throws {}
    public func evaluationModel(_ model: any ClassifierModel) throws -> any ClassifierModel { model }
    public func beforeStep(_ context: SSLStepContext) throws {}
    public func labeledLogits(_ logits: Tensor) throws -> Tensor { logits }
    public func pseudoLabels(_ probabilities: Tensor, forward: SSLForward) throws -> Tensor { probabilities }
    public func extraLosses(_ forward: SSLForward) throws -> [(name: String, value: Tensor)] { [] }
    public func observe(_ pseudoLabels: PseudoLabelBatch, step: Int) throws {}
    public var collectsUnlabeledEstimates: Bool { false }
    public var wantsUnlabeledEstimate: Bool { false }
    public func takeUnlabeledEstimate(_ estimate: UnlabeledDistributionEstimate) throws {}
    public func evaluationMetrics() -> [String: Double] { [:] }
    public var alignmentTarget: [Double]? { nil }
    public var alignmentTemperature: Double? { nil }
    public func stateTensors() throws -> [(String, Tensor)] { [] }
    public func restore(_ state: [(String, Tensor)]) throws {}
}

/// The base algorithm as it is (`--imbalance none`).
public final class NoAddOn: ImbalanceAddOn {
    public let kind = ImbalanceAddOnKind.none
    public let requirements: Set<SSLCapability> = [.labeledLogits]
    public init() {}
}

/// Looks up a named tensor of a checkpoint's task state.
func stateTensor(_ state: [(String, Tensor)], _ key: String) throws -> Tensor {
    guard let t = state.first(where: { $0.0 == key })?.1 else {
        throw TailKitError.invalidOption("the checkpoint holds no \(key) (task_state); it is not of this run's algorithm and add-on")
    }
    return t
}
