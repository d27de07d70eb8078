import Torch

/// SoLar's label refinery: Sinkhorn-Knopp scaling of the candidate-restricted predictions so that
/// the batch's soft labels follow the estimated class prior (Wang, Wu, Zhao & Zhang, "SoLar:
/// Sinkhorn Label Refinery for Imbalanced Partial-Label Learning", NeurIPS 2022; RECORDS-LTPLL
/// `utils_solar/general.py`, `sinkhorn`).
///
/// With Q ∈ R^{N×C} (non-negative), P = (Qᵀ)^λ elementwise (C×N), r0 the prior (C, sums to 1) and
/// c = 1/N:
///
///     repeat `iterations` times:  r = r0 / (P c),  c = (1/N) / (rᵀ P)ᵀ
///     result = N · diag(c) Pᵀ diag(r)          (N×C: rows ≈ 1, column j sums to ≈ N·r0_j)
///
/// The reference checks an error every 10th iteration that never falls below its threshold, so all
/// 50 iterations run; here they simply do. If the scaling produces NaN (a row of Q all zero), it
/// retries on Q + 1e−5·[Q = 0] and zeroes the result where Q = 0 (the reference's relaxed solution).
///
/// ```swift
/// let q = try Tensor([0.7, 0.3, 0.2, 0.8], shape: [2, 2])
/// let labels = try Sinkhorn.refine(q, prior: [0.5, 0.5], lambda: 3)   // rows ≈ 1, columns ≈ 1
/// ```
public enum Sinkhorn {
    public static let defaultIterations = 50

    public static func refine(_ q: Tensor, prior: [Double], lambda: Double, iterations: Int = defaultIterations) throws -> Tensor {
        let n = q.shape[0], classes = q.shape[1]
        guard prior.count == classes, n > 0 else {
            throw TailKitError.invalidOption("Sinkhorn: a prior of \(prior.count) classes for predictions \(q.shape)")
        }
        return try withNoGrad {
            let out = try scale(q.detach(), prior: prior, lambda: lambda, iterations: iterations)
            guard try out.isNaN().any().item() != 0 else { return out }
            let zero = try q.detach().eq(0).to(.float32)
            let relaxed = try scale(q.detach() + zero * 1e-5, prior: prior, lambda: lambda, iterations: iterations)
            return try relaxed * (1.0 - zero)
        }
    }

    private static func scale(_ q: Tensor, prior: [Double], lambda: Double, iterations: Int) throws -> Tensor {
        let n = q.shape[0], device = q.device
        let p = try q.transpose(0, 1).pow(lambda)                                            // C×N
        let r0 = try Tensor(prior.map { Float($0) }, shape: [prior.count, 1]).to(device: device)
        var c = try Tensor.full([n, 1], 1 / Double(n), device: device)
        var r = r0
        for _ in 0..<iterations {
            r = try r0 / p.matmul(c)                                                        // C×1
            c = try (1 / Double(n)) / r.transpose(0, 1).matmul(p).transpose(0, 1)          // N×1
        }
        // P ⊙ cᵀ, transposed, columns scaled by r, times N.
        return try (p * c.transpose(0, 1)).transpose(0, 1) * r.transpose(0, 1) * Double(n)
    }
}
