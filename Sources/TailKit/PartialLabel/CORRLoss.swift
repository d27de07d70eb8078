import Foundation
import Torch

/// CORR's partial-label loss and confidence update (Wu, Wang & Zhang, "Revisiting Consistency
/// Regularization for Deep Partial Label Learning", ICML 2022; RECORDS-LTPLL `utils/utils_loss.py`,
/// `CORR_loss`). For a batch of B samples with weak and strong logits z^w, z^s, p = softmax(z), and
/// the confidence rows W (the targets):
///
///     L_sup = (1/B) Σ_b Σ_c 1[W_bc = 0] · (−log(|1 − p^w_bc| + 1e−9) − log(|1 − p^s_bc| + 1e−9))
///     L_con = KL(W ‖ p^w) + KL(W ‖ p^s),  KL(W‖p) = (1/B) Σ_b Σ_c W_bc (log W_bc − log p_bc), 0·log 0 = 0
///     L     = L_sup + L_con
///
/// Update (no gradient), with M the candidate mask: r = sqrt((M ⊙ p^s) ⊙ (M ⊙ p^w)),
/// W ← r / (Σ_c r + 1e−9): the geometric mean of the two views' probabilities on the candidates.
///
/// ```swift
/// let loss = try CORRLoss.loss(weakLogits: zw, strongLogits: zs, targets: table.rows(batch.indices))
/// let w = CORRLoss.updatedConfidence(weak: pw, strong: ps, mask: table.rows(batch.indices), classes: 10)
/// ```
public enum CORRLoss {
    /// L_sup + L_con of a batch; `targets` are the B×C rows (row-major) the loss pulls towards.
    public static func loss(weakLogits: Tensor, strongLogits: Tensor, targets: [Float]) throws -> Tensor {
        let b = weakLogits.shape[0], c = weakLogits.shape[1]
        guard targets.count == b * c, strongLogits.shape == weakLogits.shape else {
            throw TailKitError.invalidOption("CORR loss: \(targets.count) target values for logits \(weakLogits.shape) and \(strongLogits.shape)")
        }
        let device = weakLogits.device
        let w = try Tensor(targets, shape: [b, c]).to(device: device)
        let negative = try Tensor(targets.map { $0 == 0 ? Float(1) : 0 }, shape: [b, c]).to(device: device)
        let logW = try Functional.logSoftmax(weakLogits, dim: 1), logS = try Functional.logSoftmax(strongLogits, dim: 1)
        let sup = try (negative * (try complementLogLoss(logW.exp()) + complementLogLoss(logS.exp()))).sum() / Double(b)
        // Σ W log W is a constant of the targets; both KL terms carry it.
        let entropyTerm = 2 * targets.reduce(0.0) { $0 + ($1 > 0 ? Double($1) * log(Double($1)) : 0) }
        let cross = try (w * logW).sum() + (w * logS).sum()
        let con = try (entropyTerm - cross) / Double(b)
        return try sup + con
    }

    /// −log(|1 − p| + 1e−9), elementwise.
    private static func complementLogLoss(_ p: Tensor) throws -> Tensor {
        try -1.0 * ((1.0 - p).abs() + 1e-9).log()
    }

    /// CORR's update: the row-normalised geometric mean of the two views' probabilities on the
    /// labels where `mask` is positive (the current support of W). All arrays B×C, row-major.
    public static func updatedConfidence(weak: [Float], strong: [Float], mask: [Float], classes: Int) -> [Float] {
        var out = [Float](repeating: 0, count: weak.count)
        for row in stride(from: 0, to: weak.count, by: classes) {
            var sum: Float = 0
            for j in row..<(row + classes) {
                let m: Float = mask[j] > 0 ? 1 : 0
                out[j] = ((m * strong[j]) * (m * weak[j])).squareRoot()
                sum += out[j]
            }
            for j in row..<(row + classes) { out[j] /= sum + 1e-9 }
        }
        return out
    }
}
