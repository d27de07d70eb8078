import Torch
import TorchNN

/// MixMatch (Berthelot et al., NeurIPS 2019) as DASO runs it (`lib/algorithm/mixmatch.py`, spec §4.4):
/// K = 2 weak views u₁, u₂ of each unlabeled image.
///
/// 1. Guess (training model, no gradient): p̄ = ½ (softmax(z(u₁)) + softmax(z(u₂))), sharpened
///    q = p̄^{1/T} / Σ_k p̄_k^{1/T} with T = 0.5.
/// 2. Mixup over X = [x_l; u₁; u₂] with targets Y = [onehot(y); q; q]: λ ~ Beta(α, α), λ ← max(λ, 1 − λ),
///    one permutation π, X̃ = λ X + (1 − λ) X_π, Ỹ likewise (α = `mixup-alpha`: 0.5 as DASO's shipped
///    MixMatch configs, `configs/cifar10/mixmatch.yaml`; the code's default `MIXMATCH.MIXUP_ALPHA` is 0.75).
/// 3. Forward X̃ in chunks of B rows, interleaved (`MixMatchInterleave`) so each chunk mixes labeled and
///    unlabeled rows for batch norm, then un-interleaved.
/// 4. L = −(1/B) Σ_b Σ_k Ỹ_l[b,k] log softmax(hook(z̃_l))[b,k]
///        + r(t) · λ_u · mean_{b,k} (softmax(z̃_u)[b,k] − Ỹ_u[b,k])²
///    with λ_u = 100 (`unlabeled-weight`) and the linear ramp r(t) = min(t / R, 1),
///    R = `rampRatio` · steps (0.016: 4000 of DASO's 250 000 iterations).
///
/// λ and π come from a generator seeded by (run seed, step), so a resumed run mixes exactly as the
/// uninterrupted one. The unlabeled batch is a whole multiple of B/2 so X̃ splits into chunks of B.
///
/// ```swift
/// let mm = MixMatchAlgorithm(unlabeledWeight: 100, rampSteps: 4000, seed: 0)
/// ```
public final class MixMatchAlgorithm: SSLAlgorithm {
    public let kind = SSLAlgorithmKind.mixmatch
    /// Two weak (flip, reflect-pad crop) views.
    public let unlabeledViews: String? = "mixmatch"
    public let evaluatesEMA = true
    public let unlabeledWeight: Double
    public let rampSteps: Int
    public let temperature: Double
    public let alpha: Double
    public let seed: UInt64

    public init(unlabeledWeight: Double, rampSteps: Int, temperature: Double = 0.5, alpha: Double = 0.75, seed: UInt64) {
        self.unlabeledWeight = unlabeledWeight
        self.rampSteps = rampSteps
        self.temperature = temperature
        self.alpha = alpha
        self.seed = seed
    }

    /// r(t) = min(t / R, 1) (1 when R is 0).
    public func ramp(at step: Int) -> Double { rampSteps <= 0 ? 1 : min(Double(step) / Double(rampSteps), 1) }

    /// q = p^{1/T} / Σ_k p_k^{1/T}, row by row.
    public static func sharpen(_ p: Tensor, temperature: Double) throws -> Tensor {
        let powered = try p.pow(1 / temperature)
        return try powered / (try powered.sum(dim: 1, keepDim: true))
    }

    /// Step t's Mixup draw: λ = max(λ', 1 − λ'), λ' ~ Beta(α, α), and a permutation of n rows.
    public func mixupDraw(rows n: Int, step: Int) throws -> (lambda: Double, permutation: Tensor) {
        let generator = try TorchGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(step + 1))
        let drawn = try Tensor.beta(alpha, alpha, generator: generator).item()
        return (max(drawn, 1 - drawn), try Tensor.randperm(n, generator: generator))
    }

    public func forward(model: any ClassifierModel, labeled: Tensor, labels: Tensor, unlabeled: [Tensor], step: Int) throws -> SSLForward {
        guard unlabeled.count == 2 else {
            throw TailKitError.invalidOption("MixMatch needs two unlabeled views, got \(unlabeled.count)")
        }
        let (lambda, order) = try mixupDraw(rows: labeled.shape[0] + 2 * unlabeled[0].shape[0], step: step)
        return try forward(model: model, labeled: labeled, labels: labels, unlabeled: unlabeled, step: step,
                           lambda: lambda, permutation: try order.toArray(Int.self))
    }

    /// The forward pass with a given λ (already max(λ, 1 − λ)) and permutation (the parity test fixes them).
    public func forward(model: any ClassifierModel, labeled: Tensor, labels: Tensor, unlabeled: [Tensor], step: Int,
                        lambda: Double, permutation order: [Int]) throws -> SSLForward {
        guard unlabeled.count == 2 else {
            throw TailKitError.invalidOption("MixMatch needs two unlabeled views, got \(unlabeled.count)")
        }
        let b = labeled.shape[0], u = unlabeled[0].shape[0], classes = model.numClasses
        guard (2 * u) % b == 0 else {
            throw TailKitError.invalidOption("MixMatch forwards chunks of the labeled batch size \(b); the two unlabeled views' \(2 * u) images must be a multiple of it (choose --mu so)")
        }
        guard order.count == b + 2 * u else {
            throw TailKitError.invalidOption("MixMatch's permutation covers \(order.count) rows, the step has \(b + 2 * u)")
        }
        let guess = try withNoGrad {
            let p1 = try Functional.softmax(try model.forward(try unlabeled[0].channelsLast()), dim: 1)
            let p2 = try Functional.softmax(try model.forward(try unlabeled[1].channelsLast()), dim: 1)
            return try Self.sharpen(try (p1 + p2) / 2.0, temperature: temperature)
        }.detach()
        let onehot = try Functional.oneHot(labels, numClasses: classes).to(guess.dtype)
        let inputs = try Tensor.cat([labeled, unlabeled[0], unlabeled[1]], dim: 0)
        let targets = try Tensor.cat([onehot, guess, guess], dim: 0)
        let permutation = try Tensor(order.map { Int64($0) }).to(device: inputs.device)
        let mixedInputs = try inputs * lambda + (try inputs.indexSelect(dim: 0, index: permutation)) * (1 - lambda)
        let mixedTargets = try targets * lambda + (try targets.indexSelect(dim: 0, index: permutation)) * (1 - lambda)
        let chunks = try MixMatchInterleave.apply(try mixedInputs.split(size: b, dim: 0), batch: b)
        let outputs = try MixMatchInterleave.apply(try chunks.map { try model.forward(try $0.channelsLast()) }, batch: b)
        let logits = try Tensor.cat(outputs, dim: 0).split(sizes: [b, 2 * u], dim: 0)
        var forward = SSLForward(labeledLogits: logits[0], labels: labels, weakLogits: logits[1], step: step)
        forward.mixedTargets = mixedTargets
        return forward
    }

    public func losses(_ forward: SSLForward, addOn: any ImbalanceAddOn) throws -> SSLLosses {
        guard let unlabeled = forward.weakLogits, let mixed = forward.mixedTargets else {
            throw TailKitError.invalidOption("MixMatch's losses need the mixed unlabeled logits and the mixed targets")
        }
        let b = forward.labeledLogits.shape[0]
        let targets = try mixed.detach().split(sizes: [b, mixed.shape[0] - b], dim: 0)
        let logProbabilities = try Functional.logSoftmax(try addOn.labeledLogits(forward.labeledLogits), dim: 1)
        let labeled = try (try targets[0] * logProbabilities).sum(dim: 1).mean() * -1.0
        let mse = try Functional.mseLoss(try Functional.softmax(unlabeled, dim: 1), targets[1])
        let consistency = try mse * (unlabeledWeight * ramp(at: forward.step))
        return SSLLosses(terms: [("loss_cls", labeled), ("loss_cons", consistency)] + (try addOn.extraLosses(forward)))
    }
}
