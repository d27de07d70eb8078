import Torch
import TorchNN

/// DASO (Oh, Kim, Kweon, "Distribution-Aware Semantics-Oriented Pseudo-label for Imbalanced
/// Semi-Supervised Learning", CVPR 2022), as an add-on to a base that makes pseudo-labels from a weak
/// view (FixMatch); ytaek-oh/daso `lib/models/daso_model.py` `forward_train`.
///
/// Each step t: the EMA encoder (train mode, no gradient) embeds the labeled batch and the balanced
/// `PrototypeQueue` takes the vectors. From step `pretrainSteps` on, with prototypes c_k:
///
///     q_b   = softmax_k( cos(h_w,b, c_k) / T_proto )                 semantic pseudo-label
///     v_k   = π̂_k^(1/T_dist) / Σ_j π̂_j^(1/T_dist),  w_k = v_k / max_j v_j
///     ω_b   = w_{argmax p_b}   (or a fixed α without distribution awareness)
///     p̃_b   = (1 − ω_b) p_b + ω_b q_b                               blended pseudo-label
///     L_align = λ_align · (1/μB) Σ_b Σ_k −q_b,k log softmax_k( cos(h_s,b, c_k) / T_proto )
///
/// with π̂ the `PseudoLabelDistribution` of the final pseudo-labels, refreshed every
/// `distUpdatePeriod` steps. Samples predicted as over-represented classes lean on the semantic
/// pseudo-label. Before `pretrainSteps` the base trains as it is.
///
/// ```swift
/// let daso = try DASOAddOn(config: DASOConfig(), classes: 10, totalSteps: 250_000)
/// let losses = try FixMatchAlgorithm(threshold: 0.95, unlabeledWeight: 1).losses(forward, addOn: daso)
/// ```
public final class DASOAddOn: ImbalanceAddOn {
    public let kind = ImbalanceAddOnKind.daso
    public let requirements: Set<SSLCapability> = [.labeledLogits, .pseudoLabels, .unlabeledFeatures, .emaModel]
    public let config: DASOConfig
    public private(set) var queue: PrototypeQueue?
    public private(set) var distribution: PseudoLabelDistribution
    /// q and the prototypes of the current step, between the pseudo-label hook and `extraLosses`.
    private var semantic: (target: Tensor, prototypes: Tensor)?

    public init(config: DASOConfig, classes: Int, totalSteps: Int) throws {
        try config.validate()
        self.config = config
        distribution = PseudoLabelDistribution(classes: classes, period: config.distUpdatePeriod, totalSteps: totalSteps)
    }

    /// Whether step t blends (t ≥ `pretrainSteps`).
    public func isActive(step: Int) -> Bool { step >= config.pretrainSteps }

    public func beforeStep(_ context: SSLStepContext) throws {
        guard let ema = context.ema else { throw TailKitError.invalidOption("DASO needs the EMA model to embed the labeled batch") }
        let features = try withNoGrad { try ema.features(of: context.labeledImages) }
        if queue == nil {
            queue = try PrototypeQueue(classes: distribution.classes, dimension: features.shape[1], capacity: config.queueSize)
        }
        try queue?.enqueue(features: features, labels: try context.labels.toArray(Int.self))
    }

    public func pseudoLabels(_ p: Tensor, forward: SSLForward) throws -> Tensor {
        semantic = nil
        guard isActive(step: forward.step) else { return p }
        guard let weak = forward.weakFeatures, let queue else {
            throw TailKitError.invalidOption("DASO's semantic pseudo-labels need the weak view's features and a filled queue")
        }
        let prototypes = try queue.prototypes().to(device: weak.device)
        let q = try Functional.softmax(try Self.similarity(weak.detach(), prototypes) / config.protoTemp, dim: 1)
        semantic = (q, prototypes)
        let omega: Tensor
        if let alpha = config.interpAlpha {
            omega = try Tensor.full([p.shape[0], 1], alpha, device: p.device)
        } else {
            let w = try Self.blendWeights(distribution: distribution.distribution, temperature: config.distTemp).to(device: p.device)
            omega = try w.indexSelect(dim: 0, index: p.argmax(dim: 1)).reshape([-1, 1])
        }
        return try (1.0 - omega) * p + omega * q
    }

    public func extraLosses(_ forward: SSLForward) throws -> [(name: String, value: Tensor)] {
        guard let semantic, config.alignWeight > 0 else { return [] }
        guard let strong = forward.strongFeatures else {
            throw TailKitError.invalidOption("DASO's alignment loss needs the strong view's features")
        }
        let logQ = try Functional.logSoftmax(try Self.similarity(strong, semantic.prototypes) / config.protoTemp, dim: 1)
        let loss = try (-1.0 * (semantic.target * logQ).sum()) / Double(strong.shape[0])
        return [("loss_align", try loss * config.alignWeight)]
    }

    public func observe(_ pseudoLabels: PseudoLabelBatch, step: Int) throws {
        distribution.record(pseudoLabels.labels, step: step)
    }

    public func evaluationMetrics() -> [String: Double] {
        let pi = distribution.distribution.filter { $0 > 0 }
        guard let high = pi.max(), let low = pi.min() else { return [:] }
        return ["daso_pl_imbalance": high / low]
    }

    /// w_k = v_k / max_j v_j with v = π̂^(1/T) / Σ π̂^(1/T), in float32 as the reference computes it.
    public static func blendWeights(distribution: [Double], temperature: Double) throws -> Tensor {
        let pi = try Tensor(distribution.map { Float($0) })
        let tempered = try pi.pow(1 / temperature)
        let v = try tempered / tempered.sum()
        return try v / v.max()
    }

    /// cos(a_b, c_k) for every row b of `a` [B, D] and k of `c` [K, D] (torch's CosineSimilarity,
    /// norms clamped at 1e-8; a zero prototype gives 0).
    static func similarity(_ a: Tensor, _ c: Tensor) throws -> Tensor {
        try Functional.normalize(a, dim: 1, eps: 1e-8).matmul(try Functional.normalize(c, dim: 1, eps: 1e-8).transpose(0, 1))
    }

    public func stateTensors() throws -> [(String, Tensor)] {
        var state = [("daso.pl_counts", try Tensor(distribution.counts)), ("daso.pl_pending", try Tensor(distribution.pending))]
        if let queue { state += try queue.stateTensors(prefix: "daso.queue") }
        return state
    }

    public func restore(_ state: [(String, Tensor)]) throws {
        try distribution.restore(counts: try stateTensor(state, "daso.pl_counts").toArray(Double.self),
                                 pending: try stateTensor(state, "daso.pl_pending").toArray(Double.self))
        guard state.contains(where: { $0.0 == "daso.queue.banks" }) else { queue = nil; return }
        let banks = try stateTensor(state, "daso.queue.banks")
        var restored = try PrototypeQueue(classes: distribution.classes, dimension: banks.shape.last ?? 0, capacity: config.queueSize)
        try restored.restore(state, prefix: "daso.queue")
        queue = restored
    }
}

/// DASO's settings (`ALGORITHM.DASO.*`, `MODEL.QUEUE.MAX_SIZE`), with the reference's defaults.
public struct DASOConfig: Codable, Equatable, Sendable {
    /// Steps of plain base training before DASO blends (PRETRAIN_STEPS 5000).
    public var pretrainSteps = 5000
    /// T_proto (PROTO_TEMP 0.05).
    public var protoTemp = 0.05
    /// Steps per refresh of π̂ (PL_DIST_UPDATE_PERIOD 100).
    public var distUpdatePeriod = 100
    /// T_dist (DIST_TEMP): 1.5 in the CIFAR-10 configs with γ_l = γ_u, 0.3 otherwise.
    public var distTemp = 1.5
    /// A fixed blend weight instead of the distribution-aware one (WITH_DIST_AWARE false, INTERP_ALPHA).
    public var interpAlpha: Double?
    /// λ_align (PSA_LOSS_WEIGHT 1.0).
    public var alignWeight = 1.0
    /// Vectors per class in the queue (MODEL.QUEUE.MAX_SIZE 256).
    public var queueSize = 256

    public init() {}

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw TailKitError.invalidOption(message) } }
        try check(pretrainSteps >= 0, "--daso-pretrain-steps \(pretrainSteps) must not be negative")
        try check(distUpdatePeriod >= 1, "--daso-dist-period \(distUpdatePeriod) must be positive")
        try check(pretrainSteps >= distUpdatePeriod,
                  "--daso-pretrain-steps \(pretrainSteps) must be at least --daso-dist-period \(distUpdatePeriod): the blend weights need the pseudo-label distribution of one full period")
        try check(protoTemp > 0 && protoTemp.isFinite, "--daso-proto-temp \(protoTemp) must be positive")
        try check(distTemp > 0 && distTemp.isFinite, "--daso-dist-temp \(distTemp) must be positive")
        try check(interpAlpha.map { $0 >= 0 && $0 <= 1 } ?? true, "--daso-fixed-blend \(interpAlpha ?? 0) must be in [0, 1]")
        try check(alignWeight >= 0 && alignWeight.isFinite, "--daso-align-weight \(alignWeight) must not be negative")
        try check(queueSize >= 1, "--daso-queue-size \(queueSize) must be positive")
    }
}
