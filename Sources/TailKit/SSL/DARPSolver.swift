import Foundation

/// DARP's refinement of soft pseudo-labels (Kim et al., "Distribution Aligning Refinery of Pseudo-label
/// for Imbalanced Semi-supervised Learning", NeurIPS 2020; ytaek-oh/daso `lib/algorithm/darp_reproduce.py`,
/// after bbuing9/DARP). Given the table A [N, C] of the latest soft pseudo-labels of every unlabeled
/// image and the target class counts c:
///
/// 1. for k = C−1 … 0, mark the int(α c_k) rows with the largest A[:, k]; scale_k = (c_k + 1e−6) /
///    (Σ of those probabilities + 1e−6); A' = rows of (A ⊙ mark·scale + 1e−6), normalised;
/// 2. find M = (A'/e) ⊙ X ⊙ Y whose rows sum to 1 and columns to c, with per-sample weights
///    w_n = 1 / entropy(A'_n): `iterations` rounds of X_n = 1 / Σ_k (A'_nk/e) Y_nk and, per class,
///    Σ_n (A'_nk/e) X_n exp(−y_k / w_n) = c_k solved for y_k (scipy's secant `newton`, ≤ 30 steps,
///    tol 0.1, warm-started), Y_nk = exp(−y_k / w_n); finally X once more.
///
/// ```swift
/// let refined = DARPSolver(alpha: 2, iterations: 10).refine(table, rows: n, classes: c, target: counts)
/// // every row sums to 1; column k sums to ≈ counts[k]
/// ```
public struct DARPSolver: Sendable {
    public var alpha: Double
    public var iterations: Int

    public init(alpha: Double = 2, iterations: Int = 10) {
        self.alpha = alpha
        self.iterations = iterations
    }

    /// M [rows, classes], row-major, from the table A (row-major) and the target counts.
    public func refine(_ table: [Float], rows n: Int, classes k: Int, target: [Double]) -> [Double] {
        let scaled = scaledTable(table, rows: n, classes: k, target: target)
        return solve(scaled, rows: n, classes: k, target: target)
    }

    /// Step 1: A' = normalise_rows(A ⊙ mark·scale + 1e−6), in float32 as the reference's torch tensors.
    func scaledTable(_ a: [Float], rows n: Int, classes k: Int, target: [Double]) -> [Float] {
        var mark = [Float](repeating: 0, count: n * k)
        var scale = [Float](repeating: 0, count: k)
        for c in stride(from: k - 1, through: 0, by: -1) {
            let take = min(n, Int(alpha * Double(Float(target[c]))))
            let order = (0..<n).sorted { a[$0 * k + c] > a[$1 * k + c] }
            var sum: Float = 0
            for r in order.prefix(take) {
                mark[r * k + c] = 1
                sum += a[r * k + c]
            }
            scale[c] = (Float(target[c]) + 1e-6) / (sum + 1e-6)
        }
        var out = [Float](repeating: 0, count: n * k)
        for r in 0..<n {
            var total: Float = 0
            for c in 0..<k {
                out[r * k + c] = a[r * k + c] * (mark[r * k + c] * scale[c]) + 1e-6
                total += out[r * k + c]
            }
            for c in 0..<k { out[r * k + c] /= total }
        }
        return out
    }

    /// Step 2: the alternating row/column solve.
    func solve(_ probs: [Float], rows n: Int, classes k: Int, target c: [Double]) -> [Double] {
        let ae = probs.map { Double($0) / M_E }
        let w = (0..<n).map { r -> Double in
            var entropy = 0.0
            for j in 0..<k { let p = Double(probs[r * k + j]); entropy -= p * Foundation.log(p + 1e-6) }
            return 1 / entropy
        }
        var y = [Double](repeating: 1, count: n * k)
        for r in 0..<n { for j in 0..<k { y[r * k + j] = Foundation.exp(-1 / w[r]) } }
        var previous = [Double](repeating: 0, count: k)
        var x = [Double](repeating: 1, count: n)
        for _ in 0..<iterations {
            x = rowScales(ae, y, rows: n, classes: k)
            var solved = [Double](repeating: 0, count: k)
            for j in 0..<k {
                let column = (0..<n).map { ae[$0 * k + j] * x[$0] }
                solved[j] = Self.secant(start: previous[j]) { v in
                    var s = 0.0
                    for r in 0..<n { s += column[r] * Foundation.exp(-v / w[r]) }
                    return s - c[j]
                }
            }
            previous = solved
            for r in 0..<n { for j in 0..<k { y[r * k + j] = Foundation.exp(-solved[j] / w[r]) } }
        }
        x = rowScales(ae, y, rows: n, classes: k)
        return (0..<(n * k)).map { ae[$0] * x[$0 / k] * y[$0] }
    }

    /// X_n = 1 / Σ_k (A'_nk/e) Y_nk.
    private func rowScales(_ ae: [Double], _ y: [Double], rows n: Int, classes k: Int) -> [Double] {
        (0..<n).map { r in 1 / (0..<k).reduce(0) { $0 + ae[r * k + $1] * y[r * k + $1] } }
    }

    /// scipy.optimize.newton without a derivative (the secant method), tol 0.1, at most `maxIterations`
    /// steps; returns the last iterate when it does not converge (scipy would raise).
    static func secant(start x0: Double, tolerance: Double = 0.1, maxIterations: Int = 30, _ f: (Double) -> Double) -> Double {
        var p0 = x0
        var p1 = x0 >= 0 ? x0 * (1 + 1e-4) + 1e-4 : x0 * (1 + 1e-4) - 1e-4
        var q0 = f(p0), q1 = f(p1)
        if Swift.abs(q1) < Swift.abs(q0) { swap(&p0, &p1); swap(&q0, &q1) }
        for _ in 0..<maxIterations {
            if q1 == q0 { return (p1 + p0) / 2 }
            let p = Swift.abs(q1) > Swift.abs(q0) ? (-q0 / q1 * p1 + p0) / (1 - q0 / q1) : (-q1 / q0 * p0 + p1) / (1 - q1 / q0)
            if Swift.abs(p - p1) < tolerance { return p }
            (p0, q0) = (p1, q1)
            p1 = p
            q1 = f(p1)
        }
        return p1
    }
}
