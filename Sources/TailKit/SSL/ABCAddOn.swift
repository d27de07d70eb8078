import Torch
import TorchNN

/// ABC (Lee, Shin, Kim, "ABC: Auxiliary Balanced Classifier for Class-imbalanced Semi-supervised
/// Learning", NeurIPS 2021) as an add-on to FixMatch; spec `shared/spec/daso.md` §2.4 and §4.7,
/// ytaek-oh/daso `lib/algorithm/fixmatch_abc.py`, `lib/models/abc_model.py`.
///
/// An auxiliary balanced head g = Linear(D, C) (Xavier-normal weight, zero bias) on the backbone's
/// features h of [x_l; u_w; u_s], trained beside the base's losses with `ABCBernoulliMask` masks:
///
///     L_abc_s = (1/B)  Σ_i m_i · CE(g(h_l,i), y_i),          m_i ~ Bernoulli(b_{y_i})
///     p       = softmax(g(h_w)) (no gradient),  ŷ = argmax p,  conf = max p
///     L_abc_u = (1/μB) Σ_b 1[conf_b ≥ τ] · m'_b · (−Σ_c p_bc log softmax(g(h_s))_bc),  m'_b ~ Bernoulli(b'_{ŷ_b}(t))
///
/// (divided by the batch sizes, not by Σ m, as the reference). The masks are drawn from a generator
/// seeded by (run seed, step), so a resumed run draws the same. The head has an EMA copy that follows
/// the EMA model's decay; evaluation scores the EMA backbone through the EMA head
/// (`AuxiliaryHeadModel`). Both heads are task state in the checkpoint.
///
/// ```swift
/// let abc = try ABCAddOn(labeledCounts: [100, 40, 10], threshold: 0.95, emaDecay: 0.999, seed: 0)
/// try abc.attach(model: net, device: .cpu)
/// let losses = try FixMatchAlgorithm(threshold: 0.95, unlabeledWeight: 1).losses(forward, addOn: abc)
/// ```
public final class ABCAddOn: ImbalanceAddOn {
    public let kind = ImbalanceAddOnKind.abc
    public let requirements: Set<SSLCapability> = [.labeledLogits, .pseudoLabels, .unlabeledFeatures, .labeledFeatures]
    public let masks: ABCBernoulliMask
    public let threshold: Double
    public let emaDecay: Double
    public let seed: UInt64
    /// The trained head and its EMA copy; made by `attach` (they need the feature size).
    public private(set) var head: Linear?
    public private(set) var emaHead: Linear?

    public init(labeledCounts: [Int], threshold: Double, emaDecay: Double, seed: UInt64) throws {
        masks = try ABCBernoulliMask(labeledCounts: labeledCounts)
        self.threshold = threshold
        self.emaDecay = emaDecay
        self.seed = seed
    }

    public func attach(model: any ClassifierModel, device: Device) throws {
        let fresh = try Linear(model.featureDim, model.numClasses)
        try withNoGrad {
            try Init.xavierNormal(fresh.weight)
            if let bias = fresh.bias { try bias.zero() }
        }
        let copy = try Linear(model.featureDim, model.numClasses)
        try withNoGrad { for (a, b) in zip(copy.stateDict(), fresh.stateDict()) { try a.1.copy(from: b.1) } }
        for p in copy.parameters() { _ = try p.requiringGrad(false) }
        if device != .cpu {
            try fresh.move(to: device)
            try copy.move(to: device)
        }
        head = fresh
        emaHead = copy
    }

    public var trainableParameters: [Tensor] { head?.trainableParameters() ?? [] }

    /// The generator of step t's draws (labeled masks first, then unlabeled).
    public func generator(step: Int) throws -> TorchGenerator {
        try TorchGenerator(seed: seed &+ 0xD1B5_4A32_D192_ED03 &* UInt64(step + 1))
    }

    public func extraLosses(_ forward: SSLForward) throws -> [(name: String, value: Tensor)] {
        let generator = try generator(step: forward.step)
        return try extraLosses(forward) { n in
            n == 0 ? [] : try Tensor.rand([n], dtype: .float64, generator: generator).toArray(Double.self)
        }
    }

    /// The losses with the Bernoulli masks' uniforms from `uniforms(n)`, called for the labeled batch,
    /// then for the unlabeled one (the step's generator in training; the parity test fixes them).
    public func extraLosses(_ forward: SSLForward, uniforms: (Int) throws -> [Double]) throws -> [(name: String, value: Tensor)] {
        guard let head else { throw TailKitError.invalidOption("ABC's head is not attached to the model") }
        guard let hl = forward.labeledFeatures, let hw = forward.weakFeatures, let hs = forward.strongFeatures else {
            throw TailKitError.invalidOption("ABC needs the features of the labeled batch and of the weak and strong unlabeled views")
        }
        let labels = try forward.labels.toArray(Int.self)
        let labeledKeep = try masks.keep(classes: labels, probabilities: masks.probabilities, uniforms: try uniforms(labels.count))
        let labeled = try Self.labeledLoss(logits: try head(hl), labels: forward.labels,
                                           keep: try Tensor(labeledKeep).to(device: hl.device))
        let weak = try withNoGrad { try head(hw.detach()).detach() }
        let predicted = try weak.argmax(dim: 1).toArray(Int.self)
        let unlabeledKeep = try masks.keep(classes: predicted, probabilities: masks.scheduled(step: forward.step),
                                           uniforms: try uniforms(predicted.count))
        let unlabeled = try Self.unlabeledLoss(weakLogits: weak, strongLogits: try head(hs), threshold: threshold,
                                               keep: try Tensor(unlabeledKeep).to(device: hs.device))
        return [("loss_abc_cls", labeled), ("loss_abc_cons", unlabeled)]
    }

    /// L = (1/B) Σ_i keep_i · CE(logits_i, y_i).
    static func labeledLoss(logits: Tensor, labels: Tensor, keep: Tensor) throws -> Tensor {
        let perSample = try Functional.crossEntropy(logits, target: labels, reduction: .none)
        return try (perSample * keep.to(perSample.dtype)).sum() / Double(logits.shape[0])
    }

    /// p = softmax(weak), L = (1/μB) Σ_b 1[max p_b ≥ τ] · keep_b · (−Σ_c p_bc log softmax(strong)_bc).
    static func unlabeledLoss(weakLogits: Tensor, strongLogits: Tensor, threshold: Double, keep: Tensor) throws -> Tensor {
        let p = try Functional.softmax(weakLogits.detach(), dim: 1)
        let confident = try p.max(dim: 1).0.ge(threshold).to(strongLogits.dtype)
        let perSample = try -1.0 * (p * Functional.logSoftmax(strongLogits, dim: 1)).sum(dim: 1)
        return try (perSample * confident * keep.to(strongLogits.dtype)).sum() / Double(strongLogits.shape[0])
    }

    /// θ_ema ← d θ_ema + (1 − d) θ for the head, d = min(1 − 1/(t+1), decay), as `EMAModel`.
    public func afterOptimizerStep(step: Int) throws {
        guard let head, let emaHead else { return }
        let d = min(1 - 1 / Double(step + 1), emaDecay)
        try withNoGrad {
            for (a, b) in zip(emaHead.stateDict(), head.stateDict()) {
                try a.1.mulInPlace(d)
                try a.1.addInPlace(b.1, alpha: 1 - d)
            }
        }
    }

    public func evaluationModel(_ model: any ClassifierModel) throws -> any ClassifierModel {
        guard let emaHead else { throw TailKitError.invalidOption("ABC's head is not attached to the model") }
        return AuxiliaryHeadModel(backbone: model, head: emaHead)
    }

    public func stateTensors() throws -> [(String, Tensor)] {
        guard let head, let emaHead else { return [] }
        return head.stateDict().map { ("abc.head.\($0.0)", $0.1) } + emaHead.stateDict().map { ("abc.ema_head.\($0.0)", $0.1) }
    }

    public func restore(_ state: [(String, Tensor)]) throws {
        guard let head, let emaHead else { throw TailKitError.invalidOption("ABC's head is not attached to the model") }
        try withNoGrad {
            for (prefix, module) in [("abc.head.", head), ("abc.ema_head.", emaHead)] {
                for (name, tensor) in module.stateDict() { try tensor.copy(from: try stateTensor(state, prefix + name)) }
            }
        }
    }
}
