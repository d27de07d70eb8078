import Torch
import TorchNN

/// ReMixMatch (Berthelot et al., "ReMixMatch: Semi-Supervised Learning with Distribution Alignment and
/// Augmentation Anchoring", ICLR 2020) as DASO runs it (ytaek-oh/daso `lib/algorithm/remixmatch.py`,
/// `configs/cifar10/remixmatch.yaml`; spec §4.5, §4.11). Views: the labeled batch x_l (weak), and per
/// unlabeled image a weak view u_w and two strong views u_s1, u_s2 (RandAugment after any resize).
///
/// 1. Guess (training model, no gradient): p = softmax(z(u_w)); p ← DA(p) when distribution alignment
///    is on (`DistributionAlignment`, target the labeled class distribution, DARP's unlabeled one with
///    `darp`); sharpened
///    q = p^{1/T} / Σ_k p_k^{1/T} (T = 0.5); then the add-on's pseudo-label hook (DARP, DASO) refines q.
/// 2. Mixup over X = [x_l; u_w; u_s1; u_s2] with targets Y = [onehot(y); q; q; q]: λ ~ Beta(α, α),
///    λ ← max(λ, 1 − λ), one permutation π; forwarded in chunks of B rows, interleaved as MixMatch.
/// 3. Losses, with the linear ramp r(t) = min(t / R, 1), R = `rampSteps` (0.016 of the steps; with
///    CReST t is the step within the generation and R 0.016 of its length, `ConsistencyRamp`, as
///    `lib/algorithm/rm_crest.py`):
///
///        L_cls = −(1/B)   Σ_b Σ_k Ỹ_l[b,k] log softmax(hook(z̃_l))[b,k]
///        L_cons = λ_u r(t) · −(1/3μB) Σ_b Σ_k Ỹ_u[b,k] log softmax(z̃_u)[b,k]       λ_u = 1.5
///        L_kl  = w_kl r(t) · −(1/μB) Σ_b Σ_k q[b,k] log softmax(z(u_s1))[b,k]      w_kl = 0.5 (un-mixed)
///        L_rot = w_rot · CE(g(f(rot(u_s1, k))), k),  k_b ~ U{0,1,2,3}                w_rot = 0.5
///
///    with g = Linear(D, 4) the rotation head (Xavier-normal, zero bias; this base's own parameters)
///    and rot the counter-clockwise quarter turns of `QuarterTurn`. L_rot is not ramped.
///
/// λ, π and the turns come from a generator seeded by (run seed, step), so a resumed run draws exactly
/// as the uninterrupted one; the rotation head and the alignment's window are task state. 3μB must
/// be a whole multiple of B. DASO's `ReMixMatchDASO` (`lib/algorithm/rm_daso.py`) embeds u_w and u_s1
/// in one forward; here they are forwarded apart as in `remixmatch.py` (only batch norm sees it).
///
/// ```swift
/// let rmm = ReMixMatchAlgorithm(rampSteps: 4000, alignment: try DistributionAlignment(target: [0.7, 0.3]), seed: 0)
/// try rmm.attach(model: net, device: .cpu)
/// let forward = try rmm.forward(model: net, labeled: xl, labels: y, unlabeled: [uw, us1, us2],
///                               unlabeledIndices: indices, addOn: NoAddOn(), step: t)
/// let losses = try rmm.losses(forward, addOn: NoAddOn())   // loss_cls, loss_cons, loss_kl, loss_rotation
/// ```
public final class ReMixMatchAlgorithm: SSLAlgorithm {
    public let kind = SSLAlgorithmKind.remixmatch
    /// A weak view and two strong views with RandAugment after the resize.
    public let unlabeledViews: String? = "remixmatch"
    public let evaluatesEMA = true
    public let unlabeledWeight: Double
    public let klWeight: Double
    public let rotationWeight: Double
    /// r(t), restarted each CReST generation (`ConsistencyRamp`).
    public let consistencyRamp: ConsistencyRamp
    /// R of the ramp.
    public var rampSteps: Int { consistencyRamp.steps }
    public let temperature: Double
    public let alpha: Double
    public let seed: UInt64
    /// Distribution alignment of the guesses; nil when off.
    public private(set) var alignment: DistributionAlignment?
    /// The rotation head; made by `attach` (it needs the feature size).
    public private(set) var rotationHead: Linear?

    /// One step's random draws: the Mixup λ (already max(λ, 1 − λ)) and permutation, and the turn of
    /// each strong view 1.
    public struct Draws: Equatable, Sendable {
        public var lambda: Double
        public var permutation: [Int]
        public var turns: [Int]

        public init(lambda: Double, permutation: [Int], turns: [Int]) {
            self.lambda = lambda
            self.permutation = permutation
            self.turns = turns
        }
    }

    /// `rampPeriod`: the CReST generation's length, after which the ramp restarts (nil: never).
    public init(unlabeledWeight: Double = 1.5, klWeight: Double = 0.5, rotationWeight: Double = 0.5, rampSteps: Int, rampPeriod: Int? = nil,
                temperature: Double = 0.5, alpha: Double = 0.75, alignment: DistributionAlignment?, seed: UInt64) {
        self.unlabeledWeight = unlabeledWeight
        self.klWeight = klWeight
        self.rotationWeight = rotationWeight
        consistencyRamp = ConsistencyRamp(steps: rampSteps, period: rampPeriod)
        self.temperature = temperature
        self.alpha = alpha
        self.alignment = alignment
        self.seed = seed
    }

    /// r(t) = min(t' / R, 1) (1 when R is 0), t' the step within the CReST generation (`ConsistencyRamp`).
    public func ramp(at step: Int) -> Double { consistencyRamp.value(at: step) }

    public func attach(model: any ClassifierModel, device: Device) throws {
        let head = try Linear(model.featureDim, 4)
        try Self.initialize(head, generator: nil)
        if device != .cpu { try head.move(to: device) }
        rotationHead = head
    }

    /// A new CReST generation: the rotation head is drawn afresh (Xavier-normal from a generator seeded
    /// by `seed`, zero bias), as the reference re-creates the model with its head. The alignment's
    /// window stays: `rm_crest.py` keeps the algorithm's `dist_align` across generations.
    public func redrawLayers(seed: UInt64) throws {
        guard let rotationHead else { throw TailKitError.invalidOption("ReMixMatch's rotation head is not attached to the model") }
        try Self.initialize(rotationHead, generator: try TorchGenerator(seed: seed))
    }

    /// g's weights Xavier-normal, its bias zero, in place.
    static func initialize(_ head: Linear, generator: TorchGenerator?) throws {
        try withNoGrad {
            try Init.xavierNormal(head.weight, generator: generator)
            if let bias = head.bias { try bias.zero() }
        }
    }

    public var trainableParameters: [Tensor] { rotationHead?.trainableParameters() ?? [] }

    /// Step t's draws for `rows` mixed rows and `unlabeled` images per view.
    public func draws(rows: Int, unlabeled: Int, step: Int) throws -> Draws {
        let generator = try TorchGenerator(seed: seed &+ 0xA076_1D64_78BD_642F &* UInt64(step + 1))
        let drawn = try Tensor.beta(alpha, alpha, generator: generator).item()
        let permutation = try Tensor.randperm(rows, generator: generator).toArray(Int.self)
        let turns = try Tensor.randint(0, 4, [unlabeled], generator: generator).toArray(Int.self)
        return Draws(lambda: max(drawn, 1 - drawn), permutation: permutation, turns: turns)
    }

    /// The guess q of step `forward.step` from the weak view's probabilities p: aligned (when on; to the
    /// add-on's `alignmentTarget` when it has one, DARP's unlabeled distribution; at the add-on's
    /// `alignmentTemperature` when it gives one, CReST+'s t_g as `lib/algorithm/rm_crest.py`), sharpened,
    /// then through the add-on's pseudo-label hook. Adds p to the alignment's window.
    public func guess(_ p: Tensor, addOn: any ImbalanceAddOn, forward: SSLForward) throws -> Tensor {
        if let wanted = addOn.alignmentTarget { try alignment?.aim(at: wanted) }
        let aligned = try alignment?.align(p, temperature: addOn.alignmentTemperature) ?? p
        let sharpened = try MixMatchAlgorithm.sharpen(aligned, temperature: temperature)
        return try withNoGrad { try addOn.pseudoLabels(sharpened, forward: forward) }.detach()
    }

    public func forward(model: any ClassifierModel, labeled: Tensor, labels: Tensor, unlabeled: [Tensor], step: Int) throws -> SSLForward {
        try forward(model: model, labeled: labeled, labels: labels, unlabeled: unlabeled, unlabeledIndices: [], addOn: NoAddOn(), step: step)
    }

    public func forward(model: any ClassifierModel, labeled: Tensor, labels: Tensor, unlabeled: [Tensor], unlabeledIndices: [Int],
                        addOn: any ImbalanceAddOn, step: Int) throws -> SSLForward {
        guard unlabeled.count == 3 else {
            throw TailKitError.invalidOption("ReMixMatch needs a weak and two strong unlabeled views, got \(unlabeled.count)")
        }
        let u = unlabeled[0].shape[0]
        return try forward(model: model, labeled: labeled, labels: labels, unlabeled: unlabeled, unlabeledIndices: unlabeledIndices,
                           addOn: addOn, step: step, draws: try draws(rows: labeled.shape[0] + 3 * u, unlabeled: u, step: step))
    }

    /// The forward pass with given draws (the parity test fixes them).
    public func forward(model: any ClassifierModel, labeled: Tensor, labels: Tensor, unlabeled: [Tensor], unlabeledIndices: [Int],
                        addOn: any ImbalanceAddOn, step: Int, draws: Draws) throws -> SSLForward {
        guard unlabeled.count == 3 else {
            throw TailKitError.invalidOption("ReMixMatch needs a weak and two strong unlabeled views, got \(unlabeled.count)")
        }
        guard let rotationHead else { throw TailKitError.invalidOption("ReMixMatch's rotation head is not attached to the model") }
        let b = labeled.shape[0], u = unlabeled[0].shape[0], classes = model.numClasses
        guard (3 * u) % b == 0 else {
            throw TailKitError.invalidOption("ReMixMatch forwards chunks of the labeled batch size \(b); the three unlabeled views' \(3 * u) images must be a multiple of it (choose --mu so)")
        }
        guard draws.permutation.count == b + 3 * u, draws.turns.count == u else {
            throw TailKitError.invalidOption("ReMixMatch's draws cover \(draws.permutation.count) rows and \(draws.turns.count) turns, the step has \(b + 3 * u) and \(u)")
        }
        let (weak, strong1, strong2) = (unlabeled[0], unlabeled[1], unlabeled[2])
        let (weakLogits, weakFeatures) = try withNoGrad { try model.forwardWithFeatures(try weak.channelsLast()) }
        // The hook reads the weak view's features, the step and the indices; the labeled logits come
        // only after the Mixup, so it sees none.
        var hookInput = SSLForward(labeledLogits: try Tensor.zeros([0, classes]), labels: labels,
                                   weakLogits: try weakLogits.detach(), weakFeatures: try weakFeatures.detach(), step: step)
        hookInput.unlabeledIndices = unlabeledIndices
        let q = try guess(try Functional.softmax(weakLogits.detach(), dim: 1), addOn: addOn, forward: hookInput)

        let onehot = try Functional.oneHot(labels, numClasses: classes).to(q.dtype)
        let inputs = try Tensor.cat([labeled, weak, strong1, strong2], dim: 0)
        let targets = try Tensor.cat([onehot, q, q, q], dim: 0)
        let permutation = try Tensor(draws.permutation.map { Int64($0) }).to(device: inputs.device)
        let lambda = draws.lambda
        let mixedInputs = try inputs * lambda + (try inputs.indexSelect(dim: 0, index: permutation)) * (1 - lambda)
        let mixedTargets = try targets * lambda + (try targets.indexSelect(dim: 0, index: permutation)) * (1 - lambda)
        let chunks = try MixMatchInterleave.apply(try mixedInputs.split(size: b, dim: 0), batch: b)
        let outputs = try MixMatchInterleave.apply(try chunks.map { try model.forward(try $0.channelsLast()) }, batch: b)
        let logits = try Tensor.cat(outputs, dim: 0).split(sizes: [b, 3 * u], dim: 0)

        let (strongLogits, strongFeatures) = try model.forwardWithFeatures(try strong1.channelsLast())
        let rotated = try QuarterTurn.rotate(batch: strong1, turns: draws.turns)
        let rotationLogits = try rotationHead(try model.features(try rotated.channelsLast()))

        var forward = SSLForward(labeledLogits: logits[0], labels: labels, weakLogits: logits[1], strongLogits: strongLogits,
                                 weakFeatures: try weakFeatures.detach(), strongFeatures: strongFeatures, step: step)
        forward.mixedTargets = mixedTargets
        forward.guess = q
        forward.rotationLogits = rotationLogits
        forward.rotationLabels = try Tensor(draws.turns.map { Int64($0) }).to(device: rotationLogits.device)
        forward.unlabeledIndices = unlabeledIndices
        return forward
    }

    public func losses(_ forward: SSLForward, addOn: any ImbalanceAddOn) throws -> SSLLosses {
        guard let mixedUnlabeled = forward.weakLogits, let mixed = forward.mixedTargets, let strong = forward.strongLogits,
              let q = forward.guess, let rotation = forward.rotationLogits, let turns = forward.rotationLabels else {
            throw TailKitError.invalidOption("ReMixMatch's losses need the mixed logits and targets, the guess, strong view 1's logits and the rotation logits")
        }
        let b = forward.labeledLogits.shape[0], r = ramp(at: forward.step)
        let targets = try mixed.detach().split(sizes: [b, mixed.shape[0] - b], dim: 0)
        let labeled = try Self.softCrossEntropy(try addOn.labeledLogits(forward.labeledLogits), targets[0])
        let consistency = try Self.softCrossEntropy(mixedUnlabeled, targets[1]) * (unlabeledWeight * r)
        let kl = try Self.softCrossEntropy(strong, q) * (klWeight * r)
        let rotationLoss = try Functional.crossEntropy(rotation, target: turns) * rotationWeight
        let (confidence, predicted) = try q.max(dim: 1)
        let pseudo = PseudoLabelBatch(labels: try predicted.toArray(Int.self), confidences: try confidence.toArray(Double.self),
                                      mask: [Bool](repeating: true, count: q.shape[0]))
        return SSLLosses(terms: [("loss_cls", labeled), ("loss_cons", consistency), ("loss_kl", kl), ("loss_rotation", rotationLoss)]
                                + (try addOn.extraLosses(forward)),
                         pseudoLabels: pseudo)
    }

    /// −(1/N) Σ_n Σ_k t[n,k] log softmax(z)[n,k].
    static func softCrossEntropy(_ logits: Tensor, _ targets: Tensor) throws -> Tensor {
        try (try targets * (try Functional.logSoftmax(logits, dim: 1))).sum(dim: 1).mean() * -1.0
    }

    public func stateTensors() throws -> [(String, Tensor)] {
        guard let rotationHead else { return [] }
        var state = rotationHead.stateDict().map { ("remixmatch.rotation.\($0.0)", $0.1) }
        if let alignment { state += try alignment.stateTensors(prefix: "remixmatch.da") }
        return state
    }

    public func restore(_ state: [(String, Tensor)]) throws {
        guard let rotationHead else { throw TailKitError.invalidOption("ReMixMatch's rotation head is not attached to the model") }
        try withNoGrad {
            for (name, tensor) in rotationHead.stateDict() {
                try tensor.copy(from: try stateTensor(state, "remixmatch.rotation.\(name)").to(device: tensor.device))
            }
        }
        try alignment?.restore(state, prefix: "remixmatch.da")
    }
}
